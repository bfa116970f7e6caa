import APIMachinery
import Foundation
import Testing

@testable import APIServer

/// `pods/eviction` against budgets whose status the tests write as the disruption controller would.
@Suite struct EvictionTests {
    let pods = "/api/v1/namespaces/default/pods"
    let pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"

    func eviction(_ name: String, apiVersion: String = "policy/v1", deleteOptions: JSON? = nil) -> JSON {
        var e: JSON = ["apiVersion": .string(apiVersion), "kind": "Eviction", "metadata": ["name": .string(name), "namespace": "default"]]
        if let deleteOptions { e["deleteOptions"] = deleteOptions }
        return e
    }

    /// A pod on node n1, Running, Ready as asked, labelled app=web.
    @discardableResult
    func runningPod(_ s: TestServer, _ name: String, ready: Bool = true, phase: String = "Running", node: String? = "n1") async -> JSON {
        var p = pod(name, node: node)
        p[path: ["metadata", "labels"]] = ["app": "web"]
        _ = await s.send("POST", pods, body: p)
        let status: JSON = ["status": ["phase": .string(phase), "conditions": [["type": "Ready", "status": ready ? "True" : "False"]]]]
        return await s.send("PATCH", "\(pods)/\(name)/status", body: status, contentType: "application/merge-patch+json").json ?? [:]
    }

    func budget(_ s: TestServer, _ name: String, allowed: Int64, current: Int64 = 3, desired: Int64 = 2, policy: String? = nil,
                labels: [String: String] = ["app": "web"]) async {
        var spec: JSON = ["minAvailable": .int(desired), "selector": ["matchLabels": .from(labels)]]
        if let policy { spec["unhealthyPodEvictionPolicy"] = .string(policy) }
        let created = await s.send("POST", pdbs, body: ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": .string(name)], "spec": spec])
        #expect(created.status == 201)
        let generation = created.json?[path: ["metadata", "generation"]]?.int ?? 1
        let status: JSON = ["status": ["disruptionsAllowed": .int(allowed), "currentHealthy": .int(current), "desiredHealthy": .int(desired),
                                       "expectedPods": .int(current), "observedGeneration": .int(generation)]]
        let r = await s.send("PATCH", "\(pdbs)/\(name)/status", body: status, contentType: "application/merge-patch+json")
        #expect(r.status == 200)
    }

    func isDeleting(_ s: TestServer, _ name: String) async -> Bool {
        let r = await s.send("GET", "\(pods)/\(name)")
        return r.status == 404 || r.json?[path: ["metadata", "deletionTimestamp"]] != nil
    }

    @Test func withoutABudgetTheEvictionDeletesGracefullyAndMarksThePod() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        let r = await s.send("POST", "\(pods)/a/eviction", body: eviction("a", deleteOptions: ["gracePeriodSeconds": 7]))
        #expect(r.status == 201)
        #expect(r.json?["status"]?.string == "Success" && r.json?["kind"]?.string == "Status")
        let p = try #require(await s.send("GET", "\(pods)/a").json)
        #expect(p[path: ["metadata", "deletionGracePeriodSeconds"]]?.int == 7)
        let c = p[path: ["status", "conditions"]]?.array?.first { $0["type"]?.string == "DisruptionTarget" }
        #expect(c?["status"]?.string == "True" && c?["reason"]?.string == "EvictionByEvictionAPI" && c?["message"]?.string == "Eviction API: evicting")
    }

    @Test func aBudgetWithRoomIsSpentThenRefuses() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        await runningPod(s, "b")
        await budget(s, "web", allowed: 1)
        let first = await s.send("POST", "\(pods)/a/eviction", body: eviction("a"))
        #expect(first.status == 201)
        #expect(await isDeleting(s, "a"))
        let st = try #require(await s.send("GET", "\(pdbs)/web").json?["status"])
        #expect(st["disruptionsAllowed"]?.int == 0)
        #expect(st["disruptedPods"]?["a"]?.string != nil)
        let cond = st["conditions"]?.array?.first { $0["type"]?.string == "DisruptionAllowed" }
        #expect(cond?["status"]?.string == "False" && cond?["reason"]?.string == "InsufficientPods")
        // The budget is spent: 429 with upstream's message and cause; the pod stays.
        let second = await s.send("POST", "\(pods)/b/eviction", body: eviction("b"))
        #expect(second.status == 429)
        let e = try #require(second.json)
        #expect(e["reason"]?.string == "TooManyRequests")
        #expect(e["message"]?.string == "Cannot evict pod as it would violate the pod's disruption budget.")
        let cause = e[path: ["details", "causes"]]?.array?.first
        #expect(cause?["reason"]?.string == "DisruptionBudget")
        #expect(cause?["message"]?.string == "The disruption budget web needs 2 healthy pods and has 3 currently")
        #expect(e[path: ["details", "retryAfterSeconds"]] == nil)
        #expect(!(await isDeleting(s, "b")))
    }

    @Test func twoBudgetsForOnePodAre500() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        await budget(s, "one", allowed: 1)
        await budget(s, "two", allowed: 1)
        let r = await s.send("POST", "\(pods)/a/eviction", body: eviction("a"))
        #expect(r.status == 500)
        #expect(r.json?["message"]?.string == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
        #expect(!(await isDeleting(s, "a")))
    }

    @Test func pendingAndFinishedPodsGoWithoutABudgetCheck() async throws {
        let s = try await TestServer()
        await runningPod(s, "pending", phase: "Pending", node: nil)
        await runningPod(s, "failed", phase: "Failed")
        await budget(s, "web", allowed: 0)
        #expect(await s.send("POST", "\(pods)/pending/eviction", body: eviction("pending")).status == 201)
        #expect(await s.send("POST", "\(pods)/failed/eviction", body: eviction("failed")).status == 201)
        #expect(await s.send("GET", "\(pods)/pending").status == 404)
        #expect(await s.send("GET", "\(pods)/failed").status == 404)
        // The budget was not touched.
        #expect(await s.send("GET", "\(pdbs)/web").json?[path: ["status", "disruptedPods"]] == nil)
    }

    @Test func unreadyPodsFollowTheUnhealthyPodEvictionPolicy() async throws {
        let s = try await TestServer()
        // IfHealthyBudget (the default): an unready pod may go while the budget is met...
        await runningPod(s, "u1", ready: false)
        await budget(s, "web", allowed: 0, current: 2, desired: 2)
        #expect(await s.send("POST", "\(pods)/u1/eviction", body: eviction("u1")).status == 201)
        #expect(await s.send("GET", "\(pdbs)/web").json?[path: ["status", "disruptedPods"]] == nil)
        // ...and not while it is not.
        await runningPod(s, "u2", ready: false)
        _ = await s.send("PATCH", "\(pdbs)/web/status", body: ["status": ["currentHealthy": 1]], contentType: "application/merge-patch+json")
        #expect(await s.send("POST", "\(pods)/u2/eviction", body: eviction("u2")).status == 429)
        // AlwaysAllow: it may go anyway.
        _ = await s.send("PATCH", "\(pdbs)/web", body: ["spec": ["unhealthyPodEvictionPolicy": "AlwaysAllow"]], contentType: "application/merge-patch+json")
        let gen = await s.send("GET", "\(pdbs)/web").json?[path: ["metadata", "generation"]]?.int ?? 0
        _ = await s.send("PATCH", "\(pdbs)/web/status", body: ["status": ["observedGeneration": .int(gen)]], contentType: "application/merge-patch+json")
        #expect(await s.send("POST", "\(pods)/u2/eviction", body: eviction("u2")).status == 201)
        #expect(await isDeleting(s, "u2"))
    }

    @Test func aBudgetBehindItsSpecAsksToRetryLater() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        await budget(s, "web", allowed: 1)
        _ = await s.send("PATCH", "\(pdbs)/web", body: ["spec": ["minAvailable": 1]], contentType: "application/merge-patch+json")
        let r = await s.send("POST", "\(pods)/a/eviction", body: eviction("a"))
        #expect(r.status == 429)
        #expect(r.json?[path: ["details", "retryAfterSeconds"]]?.int == 10)
        #expect(r.json?[path: ["details", "causes"]]?.array?.first?["message"]?.string == "The disruption budget web is still being processed by the server.")
        #expect(r.headers.contains { $0.0 == "Retry-After" && $0.1 == "10" })
    }

    @Test func dryRunAndPreconditionsAndV1beta1() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        await budget(s, "web", allowed: 1)
        // Dry run in the query or in deleteOptions: accepted, nothing changes.
        #expect(await s.send("POST", "\(pods)/a/eviction", query: "dryRun=All", body: eviction("a")).status == 201)
        #expect(await s.send("POST", "\(pods)/a/eviction", body: eviction("a", deleteOptions: ["dryRun": ["All"]])).status == 201)
        #expect(!(await isDeleting(s, "a")))
        #expect(await s.send("GET", "\(pdbs)/web").json?[path: ["status", "disruptionsAllowed"]]?.int == 1)
        // A UID precondition that does not hold: 409 and the pod stays (as upstream, the budget was already
        // decremented; the controller gives the allowance back once the entry times out).
        let wrongUID = await s.send("POST", "\(pods)/a/eviction", body: eviction("a", deleteOptions: ["preconditions": ["uid": "nope"]]))
        #expect(wrongUID.status == 409)
        #expect(!(await isDeleting(s, "a")))
        // policy/v1beta1 bodies are accepted too.
        await runningPod(s, "b")
        _ = await s.send("PATCH", "\(pdbs)/web/status", body: ["status": ["disruptionsAllowed": 1]], contentType: "application/merge-patch+json")
        #expect(await s.send("POST", "\(pods)/b/eviction", body: eviction("b", apiVersion: "policy/v1beta1")).status == 201)
        #expect(await isDeleting(s, "b"))
    }

    @Test func badEvictionBodiesAre400AndChangeNothing() async throws {
        let s = try await TestServer()
        await runningPod(s, "a")
        let mismatch = await s.send("POST", "\(pods)/a/eviction", body: eviction("b"))
        #expect(mismatch.status == 400)
        #expect(mismatch.json?["message"]?.string == "name in URL does not match name in Eviction object")
        let wrongKind = await s.send("POST", "\(pods)/a/eviction", body: ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "a"]])
        #expect(wrongKind.status == 400)
        #expect(await s.send("POST", "\(pods)/missing/eviction", body: eviction("missing")).status == 404)
        #expect(!(await isDeleting(s, "a")))
        // A body without type meta is an Eviction of the endpoint's version, as the Python client sends it.
        #expect(await s.send("POST", "\(pods)/a/eviction", body: ["metadata": ["name": "a"]]).status == 201)
        #expect(await isDeleting(s, "a"))
    }
}

/// Quota admission on create, against quotas whose status the tests write as the controller would.
@Suite struct QuotaAdmissionTests {
    let pods = "/api/v1/namespaces/default/pods"
    let quotas = "/api/v1/namespaces/default/resourcequotas"

    func quota(_ s: TestServer, _ name: String, hard: JSON, used: JSON?) async {
        #expect(await s.send("POST", quotas, body: ["apiVersion": "v1", "kind": "ResourceQuota", "metadata": ["name": .string(name)],
                                                     "spec": ["hard": hard]]).status == 201)
        var status: JSON = ["hard": hard]
        if let used { status["used"] = used }
        #expect(await s.send("PATCH", "\(quotas)/\(name)/status", body: ["status": status], contentType: "application/merge-patch+json").status == 200)
    }

    @Test func podsPastTheQuotaAreForbiddenWithUpstreamsMessage() async throws {
        let s = try await TestServer()
        await quota(s, "q", hard: ["pods": "2"], used: ["pods": "1"])
        #expect(await s.send("POST", pods, body: pod("a")).status == 201)
        // The admitted pod was charged at once.
        #expect(await s.send("GET", "\(quotas)/q").json?[path: ["status", "used", "pods"]]?.string == "2")
        let r = await s.send("POST", pods, body: pod("b"))
        #expect(r.status == 403)
        #expect(r.json?["reason"]?.string == "Forbidden")
        #expect(r.json?["message"]?.string == "pods \"b\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2")
        #expect(await s.send("GET", "\(pods)/b").status == 404)
        // Other kinds are not limited by it.
        #expect(await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("c")).status == 201)
    }

    @Test func unknownUsageAndMissingRequestsAreForbidden() async throws {
        let s = try await TestServer()
        await quota(s, "fresh", hard: ["count/configmaps": "3"], used: nil)
        let r = await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("c"))
        #expect(r.status == 403)
        #expect(r.json?["message"]?.string == "configmaps \"c\" is forbidden: status unknown for quota: fresh, resources: count/configmaps")
        await quota(s, "cpu", hard: ["requests.cpu": "1", "limits.memory": "1Gi"], used: ["requests.cpu": "0", "limits.memory": "0"])
        let p = await s.send("POST", pods, body: pod("nolimits"))
        #expect(p.status == 403)
        #expect(p.json?["message"]?.string == "pods \"nolimits\" is forbidden: failed quota: cpu: must specify limits.memory for: c; requests.cpu for: c")
    }
}
