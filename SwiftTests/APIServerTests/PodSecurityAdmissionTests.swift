import APIMachinery
import Foundation
import PKI
import Synchronization
import Testing

@testable import APIServer

/// The PodSecurity admission plugin through the API handler: namespace labels decide what pods and
/// workload templates are refused, warned about or audited, with upstream's messages.
@Suite(.timeLimit(.minutes(1))) struct PodSecurityAdmissionTests {
    static let restrictedContext: JSON = [
        "allowPrivilegeEscalation": false, "runAsNonRoot": true,
        "capabilities": ["drop": ["ALL"]], "seccompProfile": ["type": "RuntimeDefault"],
    ]

    func namespace(_ server: TestServer, _ name: String, labels: [String: String]) async throws {
        let r = await server.send("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace",
                                                                       "metadata": ["name": .string(name), "labels": .from(labels)]])
        try #require(r.status == 201, "\(String(describing: r.json))")
    }

    func pod(_ name: String, _ securityContext: JSON = [:]) -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["containers": [["name": "c", "image": "nginx:alpine", "securityContext": securityContext]]]]
    }

    func warnings(_ r: APIResponse) -> [String] { r.headers.filter { $0.0 == "Warning" }.map(\.1) }

    @Test func enforceRefusesAViolatingPodWithUpstreamsMessage() async throws {
        let server = try await TestServer()
        try await namespace(server, "locked", labels: ["pod-security.kubernetes.io/enforce": "restricted"])
        let r = await server.send("POST", "/api/v1/namespaces/locked/pods", body: pod("p", ["privileged": true]))
        #expect(r.status == 403)
        #expect(r.json?["reason"] == "Forbidden")
        #expect(r.json?["message"]?.string == #"pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#)
        #expect(r.json?[path: ["details", "kind"]] == "pods" && r.json?[path: ["details", "name"]] == "p")
        #expect(warnings(r).isEmpty)
        // Nothing was stored; a dry run is refused alike.
        #expect(await server.send("GET", "/api/v1/namespaces/locked/pods/p").status == 404)
        #expect(await server.send("POST", "/api/v1/namespaces/locked/pods", query: "dryRun=All", body: pod("p", ["privileged": true])).status == 403)
        // A compliant pod is admitted without a warning.
        let ok = await server.send("POST", "/api/v1/namespaces/locked/pods", body: pod("ok", Self.restrictedContext))
        #expect(ok.status == 201)
        #expect(warnings(ok).isEmpty)
    }

    @Test func warnAdmitsWithAWarningHeader() async throws {
        let server = try await TestServer()
        try await namespace(server, "watched", labels: ["pod-security.kubernetes.io/warn": "baseline", "pod-security.kubernetes.io/warn-version": "v1.32"])
        let r = await server.send("POST", "/api/v1/namespaces/watched/pods", body: pod("p", ["privileged": true]))
        #expect(r.status == 201)
        #expect(warnings(r) == [#"299 - "would violate PodSecurity \"baseline:v1.32\": privileged (container \"c\" must not set securityContext.privileged=true)""#])
        // Unlabelled namespaces are privileged: nothing to say.
        let plain = await server.send("POST", "/api/v1/namespaces/default/pods", body: pod("p", ["privileged": true]))
        #expect(plain.status == 201 && warnings(plain).isEmpty)
    }

    /// Workloads are never refused for their template, but warned about (warn follows enforce).
    @Test func workloadTemplatesGetWarningsNotRefusals() async throws {
        let server = try await TestServer()
        try await namespace(server, "locked", labels: ["pod-security.kubernetes.io/enforce": "baseline"])
        let template: JSON = ["metadata": ["labels": ["app": "web"]],
                              "spec": ["hostNetwork": true, "containers": [["name": "web", "image": "nginx:alpine"]]]]
        let deployment: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
                                "spec": ["selector": ["matchLabels": ["app": "web"]], "template": template]]
        let r = await server.send("POST", "/apis/apps/v1/namespaces/locked/deployments", body: deployment)
        #expect(r.status == 201)
        #expect(warnings(r) == [#"299 - "would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)""#])
        let cron: JSON = ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "tick"],
                          "spec": ["schedule": "* * * * *", "jobTemplate": ["spec": ["template": [
                              "spec": ["restartPolicy": "Never", "hostPID": true, "containers": [["name": "t", "image": "busybox"]]]]]]]]
        let c = await server.send("POST", "/apis/batch/v1/namespaces/locked/cronjobs", body: cron)
        #expect(c.status == 201)
        #expect(warnings(c) == [#"299 - "would violate PodSecurity \"baseline:latest\": host namespaces (hostPID=true)""#])
    }

    /// Pod updates are judged only when they change what can change (images): relabelling a pod
    /// admitted before the namespace was locked stays possible.
    @Test func onlySignificantPodUpdatesAreEnforced() async throws {
        let server = try await TestServer()
        try await namespace(server, "later", labels: [:])
        #expect(await server.send("POST", "/api/v1/namespaces/later/pods", body: pod("old", ["privileged": true])).status == 201)
        let label = await server.send("PATCH", "/api/v1/namespaces/later", body: ["metadata": ["labels": ["pod-security.kubernetes.io/enforce": "baseline"]]],
                                      contentType: "application/merge-patch+json")
        #expect(label.status == 200)
        #expect(warnings(label) == [
            #"299 - "existing pods in namespace \"later\" violate the new PodSecurity enforce level \"baseline:latest\"""#,
            #"299 - "old: privileged""#,
        ])
        let relabel = await server.send("PATCH", "/api/v1/namespaces/later/pods/old", body: ["metadata": ["labels": ["x": "y"]]],
                                        contentType: "application/merge-patch+json")
        #expect(relabel.status == 200)
        let reimage = await server.send("PATCH", "/api/v1/namespaces/later/pods/old",
                                        body: ["spec": ["containers": [["name": "c", "image": "nginx:1.27"]]]],
                                        contentType: "application/strategic-merge-patch+json")
        #expect(reimage.status == 403)
        #expect(reimage.json?["message"]?.string == #"pods "old" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)"#)
        // Relaxing enforce reviews nothing.
        let relax = await server.send("PATCH", "/api/v1/namespaces/later", body: ["metadata": ["labels": ["pod-security.kubernetes.io/enforce": "privileged"]]],
                                      contentType: "application/merge-patch+json")
        #expect(relax.status == 200 && warnings(relax).isEmpty)
    }

    @Test func namespaceLabelsMustParse() async throws {
        let server = try await TestServer()
        let bad = await server.send("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace",
                                                                         "metadata": ["name": "bad", "labels": ["pod-security.kubernetes.io/enforce": "strict"]]])
        #expect(bad.status == 422)
        #expect(bad.json?["message"]?.string == #"Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted"#)
        #expect(await server.send("GET", "/api/v1/namespaces/bad").status == 404)
        try await namespace(server, "good", labels: [:])
        let update = await server.send("PATCH", "/api/v1/namespaces/good", body: ["metadata": ["labels": ["pod-security.kubernetes.io/warn-version": "1.32"]]],
                                       contentType: "application/merge-patch+json")
        #expect(update.status == 422)
        #expect(update.json?["message"]?.string == #"Namespace "good" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.32": must be "latest" or "v1.x""#)
    }

    /// `audit` annotates the request's audit event; `enforce-policy` names the level that judged the pod.
    @Test func auditAnnotatesTheEvent() async throws {
        let server = try await TestServer()
        try await namespace(server, "audited", labels: ["pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/enforce": "baseline"])
        let sink = CapturedAuditEvents()
        let policy = try AuditPolicy.decode(Data("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n".utf8))
        let recorder = AuditRecorder(checker: AuditPolicyChecker(policy), sink: sink, now: { Date(timeIntervalSince1970: 1_796_630_400) })
        let path = "/api/v1/namespaces/audited/pods"
        let arrival = AuditRecorder.Arrival(method: "POST", requestURI: path, path: path, query: QueryParameters(nil),
                                            headers: [:], remoteAddress: "10.0.0.9", auditID: "id-1", received: Date(timeIntervalSince1970: 1_796_630_400))
        let context = try #require(recorder.begin(arrival, user: AuthenticatedUser(name: "admin")))
        var request = APIRequest(method: "POST", path: path, query: nil, headers: ["content-type": "application/json"], body: pod("p").serialized())
        request.audit = context
        let r = await server.handler.handle(request)
        #expect(r.status == 201)
        let annotations = context.current.annotations
        #expect(annotations["pod-security.kubernetes.io/enforce-policy"] == "baseline:latest")
        #expect(annotations["pod-security.kubernetes.io/audit-violations"]?.hasPrefix(#"would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set"#) == true)
    }
}
