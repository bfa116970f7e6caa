import APIMachinery
import Foundation

/// One webhook of a Mutating- or ValidatingWebhookConfiguration, read with upstream's defaults
/// (`failurePolicy: Fail`, `matchPolicy: Equivalent`, empty selectors, `timeoutSeconds: 10`,
/// `reinvocationPolicy: Never`, rule `scope: "*"`), so a stored object that lacks them behaves as upstream's.
struct AdmissionWebhook: Sendable {
    enum Phase: String, Sendable { case mutating, validating }

    /// Where the webhook is served: a URL, or a Service the API server resolves (upstream's `clientConfig`).
    enum Endpoint: Sendable, Equatable {
        case url(String)
        case service(namespace: String, name: String, path: String, port: Int)
    }

    var phase: Phase
    var name: String
    /// The configuration object's name (upstream's `GetConfigurationName`, used in audit annotations).
    var configurationName: String
    var endpoint: Endpoint
    /// PEM certificates to trust for the webhook's serving certificate; empty means the system roots.
    var caBundle: Data
    var rules: [AdmissionWebhookRule]
    var ignoresFailures: Bool
    var matchPolicyExact: Bool
    var namespaceSelector: LabelSelector
    var objectSelector: LabelSelector
    /// `None` or `NoneOnDryRun` (the only classes allowed in v1): whether a dry-run request may call it.
    var sideEffects: String?
    var timeoutSeconds: Int
    var admissionReviewVersions: [String]
    /// Mutating only: called again when a later webhook changed the object.
    var reinvokeIfNeeded: Bool
    /// CEL `matchConditions`: all must hold for the webhook to be called.
    var matchConditions: [WebhookMatchCondition]

    /// Reads every webhook of a configuration object; a webhook that cannot be read (validation normally
    /// prevents this) is left out rather than failing every request.
    static func all(in configuration: JSON, phase: Phase) -> [AdmissionWebhook] {
        let configName = configuration.metaName ?? ""
        return (configuration["webhooks"]?.array ?? []).compactMap { AdmissionWebhook($0, phase: phase, configurationName: configName) }
    }

    init?(_ json: JSON, phase: Phase, configurationName: String) {
        guard let name = json["name"]?.string, let client = json["clientConfig"] else { return nil }
        self.phase = phase
        self.name = name
        self.configurationName = configurationName
        if let url = client["url"]?.string {
            endpoint = .url(url)
        } else if let service = client["service"], let ns = service["namespace"]?.string, let svc = service["name"]?.string {
            endpoint = .service(namespace: ns, name: svc, path: service["path"]?.string ?? "/", port: Int(service["port"]?.int ?? 443))
        } else {
            return nil
        }
        caBundle = client["caBundle"]?.string.flatMap { Data(base64Encoded: $0) } ?? Data()
        rules = (json["rules"]?.array ?? []).map(AdmissionWebhookRule.init)
        ignoresFailures = json["failurePolicy"]?.string == "Ignore"
        matchPolicyExact = json["matchPolicy"]?.string == "Exact"
        guard let nsSelector = try? LabelSelector(labelSelector: json["namespaceSelector"] ?? [:]),
              let objSelector = try? LabelSelector(labelSelector: json["objectSelector"] ?? [:]) else { return nil }
        namespaceSelector = nsSelector
        objectSelector = objSelector
        sideEffects = json["sideEffects"]?.string
        timeoutSeconds = Int(json["timeoutSeconds"]?.int ?? 10)
        admissionReviewVersions = json["admissionReviewVersions"]?.array?.compactMap(\.string) ?? ["v1"]
        reinvokeIfNeeded = phase == .mutating && json["reinvocationPolicy"]?.string == "IfNeeded"
        matchConditions = (json["matchConditions"]?.array ?? []).map(WebhookMatchCondition.init)
    }

    /// Upstream's `NewDryRunUnsupportedErr` condition: only webhooks declaring no side effects (or none
    /// on dry run) may see a dry-run request.
    var allowsDryRun: Bool { sideEffects == "None" || sideEffects == "NoneOnDryRun" }
}

/// One of a webhook's `rules` (upstream's `RuleWithOperations`).
struct AdmissionWebhookRule: Sendable {
    var operations: [String]
    var apiGroups: [String]
    var apiVersions: [String]
    var resources: [String]
    var scope: String

    init(_ json: JSON) {
        func strings(_ key: String) -> [String] { json[key]?.array?.compactMap(\.string) ?? [] }
        operations = strings("operations")
        apiGroups = strings("apiGroups")
        apiVersions = strings("apiVersions")
        resources = strings("resources")
        scope = json["scope"]?.string ?? "*"
    }
}
