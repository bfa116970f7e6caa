import APIMachinery
import PKI

/// What admission knows about one request (upstream's `admission.Attributes`): the operation, the resource
/// and kind it is for, the object before and after, the user, and the options it was sent with.
struct AdmissionAttributes: Sendable {
    enum Operation: String, Sendable { case create = "CREATE", update = "UPDATE", delete = "DELETE", connect = "CONNECT" }

    var operation: Operation
    var group: String
    var version: String
    var resource: String
    var subresource: String
    var kind: String
    var name: String
    /// The object's namespace; for a Namespace itself, its own name (as upstream's attributes carry it).
    var namespace: String
    var object: JSON?
    var oldObject: JSON?
    var dryRun: Bool
    var user: AuthenticatedUser?
    /// CreateOptions, UpdateOptions or DeleteOptions as sent.
    var options: JSON

    var isNamespaceObject: Bool { group.isEmpty && resource == "namespaces" && subresource.isEmpty }

    /// Upstream never sends the objects that configure admission to webhooks, so that a broken webhook
    /// can always be removed (`IsExemptAdmissionConfigurationResource`).
    var isExemptFromWebhooks: Bool {
        group == "admissionregistration.k8s.io" && [
            "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
            "validatingadmissionpolicies", "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
        ].contains(resource)
    }
}

extension AdmissionWebhookRule {
    /// Upstream's `rules.Matcher`: operation, group, version, resource (with `*`, `*/*`, `res/*`, `*/sub`) and scope.
    func matches(_ a: AdmissionAttributes) -> Bool {
        func has(_ list: [String], _ value: String) -> Bool { list.contains("*") || list.contains(value) }
        guard has(operations, a.operation.rawValue), has(apiGroups, a.group), has(apiVersions, a.version) else { return false }
        guard resources.contains(where: { Self.resourceMatches($0, resource: a.resource, subresource: a.subresource) }) else { return false }
        switch scope {
        case "Cluster": return a.isNamespaceObject || a.namespace.isEmpty
        case "Namespaced": return !a.isNamespaceObject && !a.namespace.isEmpty
        default: return true
        }
    }

    static func resourceMatches(_ pattern: String, resource: String, subresource: String) -> Bool {
        let parts = pattern.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let res = parts[0], sub = parts.count > 1 ? parts[1] : ""
        if parts.count == 1 { return subresource.isEmpty && (res == "*" || res == resource) }
        return (res == "*" || res == resource) && (sub == "*" || sub == subresource)
    }
}

extension AdmissionWebhook {
    /// Whether the webhook is called for the request, given the labels of the request's namespace (nil when
    /// the request is for a cluster-scoped object other than a Namespace: `namespaceSelector` never exempts those).
    func applies(to a: AdmissionAttributes, namespaceLabels: [String: String]?) -> Bool {
        guard rules.contains(where: { $0.matches(a) }) else { return false }
        if let labels = namespaceLabels, !namespaceSelector.matches(labels) { return false }
        if objectSelector != .everything {
            let labels = [a.object, a.oldObject].compactMap { $0 }.map { $0[path: ["metadata", "labels"]]?.stringMap ?? [:] }
            if !labels.contains(where: { objectSelector.matches($0) }) { return false }
        }
        return true
    }
}
