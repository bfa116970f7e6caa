import APIMachinery
import Foundation
import PKI
import Testing

@testable import APIServer

/// `--audit-policy-file`: decoding, upstream's validation messages, and which rule a request matches.
@Suite struct AuditPolicyTests {
    func decode(_ yaml: String) throws(AuditPolicyError) -> AuditPolicy {
        try AuditPolicy.decode(Data(yaml.utf8))
    }

    func refusal(_ yaml: String) -> String? {
        do {
            _ = try decode(yaml)
            return nil
        } catch {
            return error.message
        }
    }

    static let header = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

    @Test func everyMatcherIsRead() throws {
        let policy = try decode(Self.header + """
            omitStages: [RequestReceived]
            omitManagedFields: true
            rules:
            - level: None
              users: [system:kube-proxy]
              verbs: [watch]
              resources:
              - group: ""
                resources: [endpoints, services, services/status]
            - level: RequestResponse
              userGroups: [system:masters]
              namespaces: [kube-system, ""]
              resources:
              - group: apps
                resources: [deployments, "pods/log"]
                resourceNames: [web]
              omitStages: [ResponseStarted]
              omitManagedFields: false
            - level: Metadata
              nonResourceURLs: [/healthz*, /version]
            - level: Request
            """)
        var first = AuditPolicy.Rule(level: .none)
        first.users = ["system:kube-proxy"]
        first.verbs = ["watch"]
        first.resources = [.init(group: "", resources: ["endpoints", "services", "services/status"])]
        var second = AuditPolicy.Rule(level: .requestResponse)
        second.userGroups = ["system:masters"]
        second.namespaces = ["kube-system", ""]
        second.resources = [.init(group: "apps", resources: ["deployments", "pods/log"], resourceNames: ["web"])]
        second.omitStages = [.responseStarted]
        second.omitManagedFields = false
        var third = AuditPolicy.Rule(level: .metadata)
        third.nonResourceURLs = ["/healthz*", "/version"]
        #expect(policy == AuditPolicy(rules: [first, second, third, AuditPolicy.Rule(level: .request)],
                                      omitStages: [.requestReceived], omitManagedFields: true))
    }

    @Test func invalidPoliciesAreRefusedWithUpstreamsMessages() {
        #expect(refusal(Self.header + "rules:\n- level: Loud\n")
            == #"rules[0].level: Unsupported value: "Loud": supported values: "None", "Metadata", "Request", "RequestResponse""#)
        #expect(refusal(Self.header + "rules:\n- users: [a]\n") == "rules[0].level: Required value")
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  omitStages: [Done]\n")
            == #"rules[0].omitStages[0]: Invalid value: "Done": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic"#)
        #expect(refusal(Self.header + "omitStages: [Sometimes]\nrules:\n- level: Metadata\n")
            == #"omitStages[0]: Invalid value: "Sometimes": allowed stages are RequestReceived,ResponseStarted,ResponseComplete,Panic"#)
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  nonResourceURLs: [metrics, /a*b]\n")
            == #"[rules[0].nonResourceURLs[0]: Invalid value: "metrics": non-resource URL rules must begin with a '/' character, rules[0].nonResourceURLs[1]: Invalid value: "/a*b": non-resource URL wildcards '*' must be the final character of the rule]"#)
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  resources: [{resourceNames: [x]}]\n")
            == #"rules[0].resources.resourceNames: Invalid value: []string{"x"}: using resourceNames requires at least one resource"#)
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  namespaces: [default]\n  nonResourceURLs: [/metrics]\n")
            == #"rules[0].nonResourceURLs: Invalid value: []string{"/metrics"}: rules cannot apply to both regular resources and non-resource URLs"#)
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  resources: [{group: Apps/v1}]\n")?
            .hasPrefix(#"rules[0].resources.group: Invalid value: "Apps/v1": a lowercase RFC 1123 subdomain"#) == true)
        #expect(refusal(Self.header + "rules: []\n") == "loaded illegal policy with 0 rules")
        #expect(refusal(Self.header + "rules:\n- level: Metadata\n  verbs: get\n")
            == "failed decoding: json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string")
        #expect(refusal("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules:\n- level: Metadata\n")?
            .hasPrefix(#"failed decoding: no kind "Policy" is registered for version "audit.k8s.io/v1beta1""#) == true)
        #expect(refusal("rules:\n- level: Metadata\n") == "failed decoding: Object 'Kind' is missing in the policy")
    }

    /// What the server stops with names the file, as kube-apiserver's message does.
    @Test func loadingNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-audit-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("policy.yaml")
        try Data((Self.header + "rules:\n- level: Verbose\n").utf8).write(to: file)
        #expect(throws: AuditPolicyError.self) { try AuditPolicy.load(path: file.path) }
        do {
            _ = try AuditPolicy.load(path: file.path)
        } catch {
            #expect(error.description == #"loading audit policy file: rules[0].level: Unsupported value: "Verbose": supported values: "None", "Metadata", "Request", "RequestResponse": from file "# + file.path)
        }
        let missing = dir.appendingPathComponent("absent.yaml").path
        do {
            _ = try AuditPolicy.load(path: missing)
            Issue.record("a missing policy file loaded")
        } catch {
            #expect(error.description == "loading audit policy file: failed to read file path \"\(missing)\": open \(missing): no such file or directory")
        }
        // A valid policy makes the server's recorder; without a log path there is none, but the policy
        // is still checked.
        try Data((Self.header + "rules:\n- level: Metadata\n").utf8).write(to: file)
        var config = APIServerConfig()
        config.auditPolicyFile = file.path
        #expect(try AuditRecorder.make(config: config, logger: quietLogger("t")) == nil)
        config.auditLogPath = dir.appendingPathComponent("audit.log").path
        #expect(try AuditRecorder.make(config: config, logger: quietLogger("t")) != nil)
        config.auditPolicyFile = missing
        #expect(throws: AuditPolicyError.self) { try AuditRecorder.make(config: config, logger: quietLogger("t")) }
    }

    // MARK: - Matching

    static let alice = AuthenticatedUser(name: "alice", groups: ["dev", AuthenticatedUser.allAuthenticated])

    func request(_ method: String, _ path: String, query: String? = nil, user: AuthenticatedUser = alice) -> AuthorizationAttributes {
        AuthorizationAttributes.of(method: method, path: path, query: QueryParameters(query), user: user)
    }

    func level(_ policy: String, _ attributes: AuthorizationAttributes) throws -> AuditLevel {
        AuditPolicyChecker(try decode(Self.header + policy)).evaluate(attributes).level
    }

    @Test func theFirstMatchingRuleDecidesAndNoMatchIsNone() throws {
        let policy = """
            rules:
            - level: None
              users: [alice]
              verbs: [watch]
            - level: RequestResponse
              userGroups: [ops]
            - level: Request
              verbs: [create, update]
            - level: Metadata
              verbs: [get, list]
            """
        #expect(try level(policy, request("GET", "/api/v1/pods", query: "watch=true")) == .none)
        #expect(try level(policy, request("POST", "/api/v1/namespaces/a/pods")) == .request)
        #expect(try level(policy, request("GET", "/api/v1/namespaces/a/pods")) == .metadata)
        #expect(try level(policy, request("DELETE", "/api/v1/namespaces/a/pods/p")) == .none)
        let ops = AuthenticatedUser(name: "bob", groups: ["ops"])
        #expect(try level(policy, request("DELETE", "/api/v1/namespaces/a/pods/p", user: ops)) == .requestResponse)
        // A request that did not authenticate has no user: rules about users and groups pass it by.
        let nobody = AuthenticatedUser(name: "")
        #expect(try level("rules:\n- level: Metadata\n  userGroups: [system:unauthenticated]\n- level: Request\n",
                          request("GET", "/api", user: nobody)) == .request)
    }

    @Test func resourcesSubresourcesNamesAndNamespaces() throws {
        let policy = """
            rules:
            - level: RequestResponse
              resources: [{group: "", resources: ["pods/log"]}]
            - level: Request
              resources: [{group: apps, resources: ["*/scale"]}]
            - level: Metadata
              resources: [{group: "", resources: ["configmaps"], resourceNames: [settings]}]
            - level: Request
              resources: [{group: "", resources: ["services/*"]}]
            - level: Metadata
              namespaces: [""]
              resources: [{group: rbac.authorization.k8s.io}]
            - level: Request
              resources: [{group: batch, resources: ["*"]}]
            """
        #expect(try level(policy, request("GET", "/api/v1/namespaces/a/pods/p/log")) == .requestResponse)
        #expect(try level(policy, request("GET", "/api/v1/namespaces/a/pods/p")) == .none)
        #expect(try level(policy, request("PUT", "/apis/apps/v1/namespaces/a/deployments/d/scale")) == .request)
        #expect(try level(policy, request("PUT", "/apis/apps/v1/namespaces/a/deployments/d")) == .none)
        #expect(try level(policy, request("GET", "/api/v1/namespaces/a/configmaps/settings")) == .metadata)
        #expect(try level(policy, request("GET", "/api/v1/namespaces/a/configmaps/other")) == .none)
        #expect(try level(policy, request("PUT", "/api/v1/namespaces/a/services/s/status")) == .request)
        // Upstream's checker lets `services/*` match the services themselves too.
        #expect(try level(policy, request("PUT", "/api/v1/namespaces/a/services/s")) == .request)
        #expect(try level(policy, request("PUT", "/api/v1/namespaces/a/endpoints/s")) == .none)
        // "" is the namespace of cluster-scoped objects.
        #expect(try level(policy, request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles")) == .metadata)
        #expect(try level(policy, request("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles")) == .none)
        // "*" takes subresources too.
        #expect(try level(policy, request("PUT", "/apis/batch/v1/namespaces/a/jobs/j/status")) == .request)
        // Resource rules never match a non-resource path.
        #expect(try level(policy, request("GET", "/version")) == .none)
    }

    @Test func nonResourceURLsMatchExactlyOrByPrefixWithAStar() throws {
        let policy = "rules:\n- level: Metadata\n  nonResourceURLs: [/healthz*, /version]\n- level: None\n  nonResourceURLs: ['*']\n"
        #expect(try level(policy, request("GET", "/healthz")) == .metadata)
        #expect(try level(policy, request("GET", "/healthz/etcd")) == .metadata)
        #expect(try level(policy, request("GET", "/version")) == .metadata)
        #expect(try level(policy, request("GET", "/versions")) == .none)
        #expect(try level(policy, request("GET", "/api/v1/pods")) == .none)
        #expect(try level("rules:\n- level: Metadata\n  nonResourceURLs: ['*']\n", request("GET", "/api/v1/pods")) == .none)
        #expect(try level("rules:\n- level: Metadata\n  nonResourceURLs: ['*']\n", request("GET", "/openapi/v2")) == .metadata)
    }

    @Test func omittedStagesJoinAndManagedFieldsFollowTheRule() throws {
        let checker = AuditPolicyChecker(try decode(Self.header + """
            omitStages: [RequestReceived]
            omitManagedFields: true
            rules:
            - level: Request
              verbs: [create]
              omitStages: [ResponseStarted]
              omitManagedFields: false
            - level: Metadata
            """))
        let create = checker.evaluate(request("POST", "/api/v1/namespaces/a/pods"))
        #expect(create == AuditRequestConfig(level: .request, omitStages: [.requestReceived, .responseStarted], omitManagedFields: false))
        let get = checker.evaluate(request("GET", "/api/v1/namespaces/a/pods"))
        #expect(get == AuditRequestConfig(level: .metadata, omitStages: [.requestReceived], omitManagedFields: true))
    }
}
