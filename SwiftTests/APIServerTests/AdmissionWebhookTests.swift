import APIMachinery
import Foundation
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOPosix
import PKI
import Synchronization
import Testing

@testable import APIServer

/// Admission webhooks: the dispatcher's rules against a scripted transport, then the whole path through the
/// API handler to a real HTTPS webhook server on loopback (TLS checked against the configuration's caBundle).
@Suite struct AdmissionWebhookTests {
    // MARK: Rules

    @Test func resourcePatternsMatchAsUpstreamsRuleMatcher() {
        let cases: [(String, String, String, Bool)] = [
            ("pods", "pods", "", true), ("pods", "pods", "status", false),
            ("*", "configmaps", "", true), ("*", "pods", "status", false),
            ("*/*", "pods", "status", true), ("*/*", "pods", "", true),
            ("pods/*", "pods", "status", true), ("pods/*", "pods", "", true),  // as upstream's splitResource: "*" also matches ""
            ("*/status", "deployments", "status", true), ("*/status", "deployments", "scale", false),
            ("pods/status", "pods", "status", true), ("pods/status", "services", "status", false),
        ]
        for (pattern, resource, sub, expected) in cases {
            #expect(AdmissionWebhookRule.resourceMatches(pattern, resource: resource, subresource: sub) == expected, "\(pattern) vs \(resource)/\(sub)")
        }
    }

    @Test func scopeSeparatesNamespacedFromClusterObjectsAndCountsANamespaceAsCluster() {
        func rule(_ scope: String) -> AdmissionWebhookRule {
            AdmissionWebhookRule(["operations": ["*"], "apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"], "scope": .string(scope)])
        }
        let cm = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        let node = attributes(.create, resource: "nodes", namespace: "", object: ["metadata": ["name": "n"]])
        let ns = attributes(.create, resource: "namespaces", namespace: "team", object: ["metadata": ["name": "team"]])
        #expect(rule("Namespaced").matches(cm) && !rule("Namespaced").matches(node) && !rule("Namespaced").matches(ns))
        #expect(!rule("Cluster").matches(cm) && rule("Cluster").matches(node) && rule("Cluster").matches(ns))
        #expect(rule("*").matches(cm) && rule("*").matches(node))
    }

    @Test func selectorsExemptByNamespaceAndObjectLabels() {
        let hook = webhook("v", .validating, extra: [
            "namespaceSelector": ["matchLabels": ["webhooks": "on"]],
            "objectSelector": ["matchExpressions": [["key": "check", "operator": "Exists"]]],
        ])
        let labelled = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c", labels: ["check": "1"]))
        let plain = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        #expect(hook.applies(to: labelled, namespaceLabels: ["webhooks": "on"]))
        #expect(!hook.applies(to: labelled, namespaceLabels: [:]))
        #expect(!hook.applies(to: plain, namespaceLabels: ["webhooks": "on"]))
        // An update matches when either the new or the old object carries the labels.
        var removing = plain
        removing.operation = .update
        removing.oldObject = configMap("c", labels: ["check": "1"])
        #expect(hook.applies(to: removing, namespaceLabels: ["webhooks": "on"]))
        // Cluster-scoped objects other than Namespaces are never exempted by a namespaceSelector.
        let node = attributes(.create, resource: "nodes", namespace: "", object: ["metadata": ["name": "n", "labels": ["check": "x"]]])
        let any = webhook("w", .validating, extra: ["namespaceSelector": ["matchLabels": ["webhooks": "on"]]], resources: ["*"])
        #expect(any.applies(to: node, namespaceLabels: nil))
    }

    // MARK: The dispatcher

    @Test func mutatingPatchesApplyInOrderAndAnEarlierIfNeededWebhookIsCalledAgain() async throws {
        let transport = ScriptedTransport()
        // "first" adds a label; "second" adds another, changing the object after "first" ran.
        transport.answer("first") { review in
            allowed(review, patch: [["op": "add", "path": "/metadata/labels/first", "value": "yes"]])
        }
        transport.answer("second") { review in
            allowed(review, patch: [["op": "add", "path": "/metadata/labels/second", "value": "yes"]])
        }
        let dispatcher = WebhookDispatcher(transport: transport)
        var a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c", labels: ["a": "b"]))
        var effects = WebhookDispatcher.Effects()
        let hooks = [webhook("first", .mutating, extra: ["reinvocationPolicy": "IfNeeded"]), webhook("second", .mutating)]
        try await dispatcher.mutate(&a, hooks: hooks, namespaceLabels: [:], redefault: { $0[path: ["data", "defaulted"]] = "1" }, effects: &effects)
        #expect(a.object?[path: ["metadata", "labels"]] == ["a": "b", "first": "yes", "second": "yes"])
        #expect(a.object?[path: ["data", "defaulted"]] == "1")
        #expect(transport.calls == ["first", "second", "first"])
        // The reinvocation saw the second webhook's label.
        #expect(transport.reviews.last?[path: ["request", "object", "metadata", "labels", "second"]] == "yes")
        #expect(effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_0_index_0"] == #"{"configuration":"cfg","webhook":"first","mutated":true}"#)
        #expect(effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_1_index_0"] != nil)
    }

    @Test func aRefusalCarriesTheWebhooksStatusWithUpstreamsPrefix() async throws {
        let transport = ScriptedTransport()
        transport.answer("deny.example.com") { review in
            ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
             "response": ["uid": review[path: ["request", "uid"]] ?? "", "allowed": false,
                          "status": ["code": 403, "reason": "Forbidden", "message": "label forbidden"], "warnings": ["careful"]]]
        }
        transport.answer("silent.example.com") { review in
            ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": ["uid": review[path: ["request", "uid"]] ?? "", "allowed": false]]
        }
        let dispatcher = WebhookDispatcher(transport: transport)
        let a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        var effects = WebhookDispatcher.Effects()
        let error = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("deny.example.com", .validating)], namespaceLabels: [:], effects: &effects)
        }
        #expect(error?.code == 403 && error?.reason == "Forbidden")
        #expect(error?.message == #"admission webhook "deny.example.com" denied the request: label forbidden"#)
        let silent = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("silent.example.com", .validating)], namespaceLabels: [:], effects: &effects)
        }
        #expect(silent?.code == 400)
        #expect(silent?.message == #"admission webhook "silent.example.com" denied the request without explanation"#)
    }

    @Test func failurePolicyDecidesWhatAnUnreachableOrBrokenWebhookMeans() async throws {
        let transport = ScriptedTransport()
        transport.fail("down", reason: #"failed to call webhook: Post "https://w.default.svc:443/?timeout=10s": dial tcp 10.96.0.9:443: connect: connection refused"#)
        transport.answer("wrong-uid") { _ in
            ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": ["uid": "other", "allowed": true]]
        }
        let dispatcher = WebhookDispatcher(transport: transport)
        let a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        var effects = WebhookDispatcher.Effects()
        let closed = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("down", .validating)], namespaceLabels: [:], effects: &effects)
        }
        #expect(closed?.code == 500 && closed?.reason == "InternalError")
        #expect(closed?.message == #"Internal error occurred: failed calling webhook "down": failed to call webhook: Post "https://w.default.svc:443/?timeout=10s": dial tcp 10.96.0.9:443: connect: connection refused"#)
        let invalid = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("wrong-uid", .validating)], namespaceLabels: [:], effects: &effects)
        }
        #expect(invalid?.message.contains("received invalid webhook response: expected response.uid=") == true)
        // Ignore: the request goes on, and the audit log says the webhook failed open.
        try await dispatcher.validate(a, hooks: [webhook("down", .validating, extra: ["failurePolicy": "Ignore"])], namespaceLabels: [:], effects: &effects)
        #expect(effects.auditAnnotations["failed-open.validating.webhook.admission.k8s.io/round_0_index_0"] == "down")
    }

    @Test func dryRunReachesOnlyWebhooksWithoutSideEffects() async throws {
        let transport = ScriptedTransport()
        transport.answer("w") { allowed($0) }
        let dispatcher = WebhookDispatcher(transport: transport)
        var a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        a.dryRun = true
        var effects = WebhookDispatcher.Effects()
        let refused = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("w", .validating, extra: ["sideEffects": "Some"])], namespaceLabels: [:], effects: &effects)
        }
        #expect(refused?.code == 400 && refused?.message == #"admission webhook "w" does not support dry run"#)
        #expect(transport.calls.isEmpty)
        try await dispatcher.validate(a, hooks: [webhook("w", .validating, extra: ["sideEffects": "NoneOnDryRun"])], namespaceLabels: [:], effects: &effects)
        #expect(transport.calls == ["w"])
        #expect(transport.reviews.first?[path: ["request", "dryRun"]] == true)
    }

    @Test func matchConditionsDecideWhetherAWebhookIsCalled() async throws {
        let transport = ScriptedTransport()
        transport.answer("w") { allowed($0) }
        transport.answer("b") { allowed($0) }
        let dispatcher = WebhookDispatcher(transport: transport)
        let hook = webhook("w", .validating, extra: ["matchConditions": [
            ["name": "labelled", "expression": "has(object.metadata.labels.check) && object.metadata.labels.check == 'yes'"],
            ["name": "not-kube-system", "expression": "request.namespace != 'kube-system'"],
        ]])
        var effects = WebhookDispatcher.Effects()
        try await dispatcher.validate(attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c")),
                                      hooks: [hook], namespaceLabels: [:], effects: &effects)
        #expect(transport.calls.isEmpty)
        try await dispatcher.validate(attributes(.create, resource: "configmaps", namespace: "kube-system", object: configMap("c", labels: ["check": "yes"])),
                                      hooks: [hook], namespaceLabels: [:], effects: &effects)
        #expect(transport.calls.isEmpty)
        try await dispatcher.validate(attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c", labels: ["check": "yes"])),
                                      hooks: [hook], namespaceLabels: [:], effects: &effects)
        #expect(transport.calls == ["w"])
        // A condition that cannot be evaluated (no such field) fails closed under Fail and open under Ignore.
        let conditions: JSON = [["name": "replicas", "expression": "object.spec.replicas > 1"]]
        let a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c"))
        let closed = await #expect(throws: APIError.self) {
            try await dispatcher.validate(a, hooks: [webhook("b", .validating, extra: ["matchConditions": conditions])], namespaceLabels: [:], effects: &effects)
        }
        #expect(closed?.code == 500 && closed?.message == #"Internal error occurred: failed calling webhook "b": matchCondition "replicas" error: no such key: spec"#)
        try await dispatcher.validate(a, hooks: [webhook("b", .validating, extra: ["matchConditions": conditions, "failurePolicy": "Ignore"])],
                                      namespaceLabels: [:], effects: &effects)
        #expect(transport.calls == ["w"])
    }

    @Test func aMutatingWebhookWhoseConditionsAreFalseIsSkippedEntirely() async throws {
        let transport = ScriptedTransport()
        transport.answer("first") { allowed($0) }
        transport.answer("second") { review in
            allowed(review, patch: [["op": "add", "path": "/metadata/labels/second", "value": "yes"]])
        }
        let dispatcher = WebhookDispatcher(transport: transport)
        var a = attributes(.create, resource: "configmaps", namespace: "default", object: configMap("c", labels: ["a": "b"]))
        var effects = WebhookDispatcher.Effects()
        // "first" would be reinvoked after "second" changes the object, but its condition is false.
        let hooks = [
            webhook("first", .mutating, extra: ["reinvocationPolicy": "IfNeeded",
                                                 "matchConditions": [["name": "never", "expression": "request.namespace == 'nowhere'"]]]),
            webhook("second", .mutating),
        ]
        try await dispatcher.mutate(&a, hooks: hooks, namespaceLabels: [:], redefault: { _ in }, effects: &effects)
        #expect(transport.calls == ["second"])
        #expect(effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_0_index_0"] == nil)
        #expect(effects.auditAnnotations["mutation.webhook.admission.k8s.io/round_0_index_1"] == #"{"configuration":"cfg","webhook":"second","mutated":true}"#)
        #expect(effects.auditAnnotations.keys.allSatisfy { !$0.contains("round_1") })
    }

    @Test func theReviewCarriesUpstreamsFields() {
        var a = attributes(.update, resource: "configmaps", namespace: "default", object: configMap("c"))
        a.oldObject = configMap("c", labels: ["x": "y"])
        a.user = AuthenticatedUser(name: "alice", uid: "u1", groups: ["devs", "system:authenticated"])
        let review = AdmissionReviewMessage.request(uid: "0-1", a)
        #expect(review["apiVersion"] == "admission.k8s.io/v1" && review["kind"] == "AdmissionReview")
        let r = review["request"]
        #expect(r?["uid"] == "0-1" && r?["operation"] == "UPDATE" && r?["name"] == "c" && r?["namespace"] == "default")
        #expect(r?["kind"] == ["group": "", "version": "v1", "kind": "ConfigMap"])
        #expect(r?["resource"] == ["group": "", "version": "v1", "resource": "configmaps"])
        #expect(r?["requestKind"] == r?["kind"] && r?["subResource"] == nil)
        #expect(r?["userInfo"] == ["username": "alice", "uid": "u1", "groups": ["devs", "system:authenticated"]])
        #expect(r?[path: ["oldObject", "metadata", "labels", "x"]] == "y")
    }

    // MARK: Through the API handler, over HTTPS

    @Test func aWebhookServerOnLoopbackValidatesAndMutatesRealRequests() async throws {
        let server = try await WebhookTestServer.start()
        defer { server.stop() }
        let s = try await TestServer()
        let ca = Data(server.caPEM.utf8).base64EncodedString()
        var r = await s.send("POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", body: [
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": "deny-labelled"],
            "webhooks": [[
                "name": "deny.skiff.dev", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                "clientConfig": ["url": .string("https://127.0.0.1:\(server.port)/validate"), "caBundle": .string(ca)],
                "rules": [["operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]]],
                "objectSelector": ["matchLabels": ["deny": "true"]],
            ]],
        ])
        #expect(r.status == 201)
        r = await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("blocked", labels: ["deny": "true"]))
        #expect(r.status == 403)
        #expect(r.json?["message"]?.string == #"admission webhook "deny.skiff.dev" denied the request: configmaps labelled deny=true are not allowed"#)
        #expect(await s.send("GET", "/api/v1/namespaces/default/configmaps/blocked").status == 404)
        r = await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("fine"))
        #expect(r.status == 201)
        // Labelling it later is an update the webhook refuses too.
        r = await s.send("PATCH", "/api/v1/namespaces/default/configmaps/fine", body: ["metadata": ["labels": ["deny": "true"]]],
                         contentType: "application/merge-patch+json")
        #expect(r.status == 403)

        r = await s.send("POST", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", body: [
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration", "metadata": ["name": "stamp"],
            "webhooks": [[
                "name": "stamp.skiff.dev", "sideEffects": "None", "admissionReviewVersions": ["v1"],
                "clientConfig": ["url": .string("https://127.0.0.1:\(server.port)/mutate"), "caBundle": .string(ca)],
                "rules": [["operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]]],
            ]],
        ])
        #expect(r.status == 201)
        r = await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("stamped"))
        #expect(r.status == 201)
        #expect(r.json?[path: ["metadata", "labels", "stamped-by"]] == "webhook")
        // The validating webhook sees what the mutating one made (it is called only for deny=true objects).
        r = await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("stamped-denied", labels: ["deny": "true"]))
        #expect(r.status == 403)
        #expect(server.seenLabels("stamped-denied") == ["deny": "true", "stamped-by": "webhook"])
        // The user the API server authenticated reaches the webhook.
        #expect(server.lastReview()?[path: ["request", "userInfo", "username"]] != nil)
    }

    @Test func aWebhookThatCannotBeReachedFailsClosedOrOpenByItsPolicy() async throws {
        let s = try await TestServer()
        let closedPort = try await WebhookTestServer.unusedPort()
        for (name, policy) in [("closed", "Fail"), ("open", "Ignore")] {
            let r = await s.send("POST", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", body: [
                "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": ["name": .string(name)],
                "webhooks": [[
                    "name": .string("\(name).skiff.dev"), "sideEffects": "None", "admissionReviewVersions": ["v1"], "failurePolicy": .string(policy),
                    "clientConfig": ["url": .string("https://127.0.0.1:\(closedPort)/validate")],
                    "rules": [["operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["configmaps"]]],
                    "namespaceSelector": ["matchLabels": ["policy": .string(name)]],
                ]],
            ])
            #expect(r.status == 201)
            #expect(await s.send("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace",
                                                                      "metadata": ["name": .string(name), "labels": ["policy": .string(name)]]]).status == 201)
        }
        let refused = await s.send("POST", "/api/v1/namespaces/closed/configmaps", body: configMap("c"))
        #expect(refused.status == 500)
        #expect(refused.json?["message"]?.string
            == "Internal error occurred: failed calling webhook \"closed.skiff.dev\": failed to call webhook: Post \"https://127.0.0.1:\(closedPort)/validate?timeout=10s\": dial tcp 127.0.0.1:\(closedPort): connect: connection refused")
        #expect(await s.send("POST", "/api/v1/namespaces/open/configmaps", body: configMap("c")).status == 201)
        // The configurations themselves are never sent to webhooks, so a broken one can always be deleted.
        #expect(await s.send("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/closed").status == 200)
        #expect(await s.send("POST", "/api/v1/namespaces/closed/configmaps", body: configMap("c")).status == 201)
    }

    // MARK: Helpers

    func attributes(_ op: AdmissionAttributes.Operation, resource: String, namespace: String, object: JSON) -> AdmissionAttributes {
        AdmissionAttributes(operation: op, group: "", version: "v1", resource: resource, subresource: "",
                            kind: resource == "configmaps" ? "ConfigMap" : "Object", name: object.metaName ?? "", namespace: namespace,
                            object: object, oldObject: nil, dryRun: false, user: nil, options: ["kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"])
    }

    func webhook(_ name: String, _ phase: AdmissionWebhook.Phase, extra: [String: JSON] = [:], resources: [String] = ["configmaps"]) -> AdmissionWebhook {
        var json: JSON = [
            "name": .string(name), "sideEffects": "None", "admissionReviewVersions": ["v1"],
            "clientConfig": ["service": ["namespace": "default", "name": "w"]],
            "rules": [["operations": ["*"], "apiGroups": [""], "apiVersions": ["v1"], "resources": .array(resources.map { .string($0) })]],
        ]
        for (k, v) in extra { json[k] = v }
        return AdmissionWebhook(json, phase: phase, configurationName: "cfg")!
    }
}

/// An allowing answer to `review`, with a JSON Patch when given.
func allowed(_ review: JSON, patch: JSON? = nil) -> JSON {
    var response: JSON = ["uid": review[path: ["request", "uid"]] ?? "", "allowed": true]
    if let patch {
        response["patchType"] = "JSONPatch"
        response["patch"] = .string(patch.serialized().base64EncodedString())
    }
    return ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response]
}

/// A transport whose webhooks answer from closures, recording each call.
final class ScriptedTransport: WebhookTransport {
    private struct State {
        var answers: [String: @Sendable (JSON) -> JSON] = [:]
        var failures: [String: String] = [:]
        var calls: [String] = []
        var reviews: [JSON] = []
    }
    private let state = Mutex(State())

    func answer(_ name: String, _ body: @escaping @Sendable (JSON) -> JSON) { state.withLock { $0.answers[name] = body } }
    func fail(_ name: String, reason: String) { state.withLock { $0.failures[name] = reason } }
    var calls: [String] { state.withLock { $0.calls } }
    var reviews: [JSON] { state.withLock { $0.reviews } }

    func post(_ webhook: AdmissionWebhook, body: [UInt8], timeout: Duration) async throws(WebhookCallFailure) -> [UInt8] {
        let review = (try? JSON.parse(body)) ?? .null
        let (answer, failure) = state.withLock { s in
            s.calls.append(webhook.name)
            s.reviews.append(review)
            return (s.answers[webhook.name], s.failures[webhook.name])
        }
        if let failure { throw WebhookCallFailure(webhook: webhook.name, reason: failure) }
        return Array((answer?(review) ?? .null).serialized())
    }
}

/// The reviews a test webhook server received.
final class ReviewLog: Sendable {
    private let list = Mutex<[JSON]>([])
    func append(_ review: JSON) { list.withLock { $0.append(review) } }
    var all: [JSON] { list.withLock { $0 } }
}

/// A webhook server over HTTPS on 127.0.0.1 (certificate for that address from a fresh CA):
/// `/validate` refuses ConfigMaps labelled deny=true; `/mutate` labels them stamped-by=webhook.
final class WebhookTestServer: Sendable {
    let port: Int
    let caPEM: String
    let log: ReviewLog
    private let task: Task<Void, Error>

    private init(port: Int, caPEM: String, log: ReviewLog, task: Task<Void, Error>) {
        self.port = port
        self.caPEM = caPEM
        self.log = log
        self.task = task
    }

    static func start() async throws -> WebhookTestServer {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ca = try CertificateAuthority.create(commonName: "webhook-ca")
        let serving = try ca.issueServingCertificate(commonName: "webhook", dnsNames: [], ipAddresses: ["127.0.0.1"])
        let cert = dir.appendingPathComponent("tls.crt"), key = dir.appendingPathComponent("tls.key")
        try serving.write(certificateTo: cert, privateKeyTo: key)
        let tls = try ServerTLS.configuration(certFile: cert.path, keyFile: key.path, clientCAFile: nil, clientCertificates: .optional)
        let log = ReviewLog()
        let router = Router()
        router.post("validate") { request, _ -> Response in
            let review = try JSON.parse(Data(buffer: try await request.body.collect(upTo: 1 << 20)))
            log.append(review)
            let labels = review[path: ["request", "object", "metadata", "labels"]]?.stringMap ?? [:]
            let answer: JSON = labels["deny"] == "true"
                ? ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                   "response": ["uid": review[path: ["request", "uid"]] ?? "", "allowed": false,
                                "status": ["code": 403, "reason": "Forbidden", "message": "configmaps labelled deny=true are not allowed"]]]
                : allowed(review)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: answer.serialized())))
        }
        router.post("mutate") { request, _ -> Response in
            let review = try JSON.parse(Data(buffer: try await request.body.collect(upTo: 1 << 20)))
            let hasLabels = review[path: ["request", "object", "metadata", "labels"]]?.isObject == true
            let patch: JSON = hasLabels
                ? [["op": "add", "path": "/metadata/labels/stamped-by", "value": "webhook"]]
                : [["op": "add", "path": "/metadata/labels", "value": ["stamped-by": "webhook"]]]
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(data: allowed(review, patch: patch).serialized())))
        }
        let box = PortBox()
        let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in box.set(channel.localAddress?.port ?? 0) },
                              logger: quietLogger("webhook"))
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        let port = try await waitForPort(box)
        return WebhookTestServer(port: port, caPEM: ca.certificatePEM, log: log, task: task)
    }

    func lastReview() -> JSON? { log.all.last }
    /// The labels of the named object as the validating webhook last saw it.
    func seenLabels(_ name: String) -> [String: String]? {
        log.all.last { $0[path: ["request", "name"]]?.string == name }?[path: ["request", "object", "metadata", "labels"]]?.stringMap
    }
    func stop() { task.cancel() }

    /// A loopback port nothing listens on (bound, then released).
    static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
