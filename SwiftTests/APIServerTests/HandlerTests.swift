import APIMachinery
import Foundation
import Testing

@testable import APIServer

@Suite struct HandlerTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func bootstrapCreatesDefaultsAndKubernetesService() async throws {
        let s = try await TestServer()
        let ns = await s.send("GET", "/api/v1/namespaces")
        let names = ns.json?["items"]?.array?.compactMap { $0[path: ["metadata", "name"]]?.string } ?? []
        #expect(Set(names) == ["default", "kube-system", "kube-public", "kube-node-lease"])
        let svc = await s.send("GET", "/api/v1/namespaces/default/services/kubernetes")
        #expect(svc.json?[path: ["spec", "clusterIP"]]?.string == "10.96.0.1")
    }

    @Test func createGetUpdateWithConflict() async throws {
        let s = try await TestServer()
        let created = await s.send("POST", cms, body: configMap("a", data: ["k": "1"]))
        #expect(created.status == 201)
        let rv1 = created.json?[path: ["metadata", "resourceVersion"]]?.string
        #expect(created.json?[path: ["metadata", "uid"]]?.string?.count == 36)
        var updated = created.json!
        updated["data"] = ["k": "2"]
        let ok = await s.send("PUT", cms + "/a", body: updated)
        #expect(ok.status == 200)
        #expect(ok.json?[path: ["metadata", "resourceVersion"]]?.string != rv1)
        // The same stale copy again: 409 and nothing changes.
        updated["data"] = ["k": "3"]
        let stale = await s.send("PUT", cms + "/a", body: updated)
        #expect(stale.status == 409)
        #expect(stale.json?["reason"]?.string == "Conflict")
        let got = await s.send("GET", cms + "/a")
        #expect(got.json?["data"]?["k"]?.string == "2")
    }

    @Test func duplicateCreateIs409AlreadyExists() async throws {
        let s = try await TestServer()
        _ = await s.send("POST", cms, body: configMap("dup"))
        let again = await s.send("POST", cms, body: configMap("dup"))
        #expect(again.status == 409)
        #expect(again.json?["message"]?.string == "configmaps \"dup\" already exists")
    }

    @Test func generateNameAndDryRun() async throws {
        let s = try await TestServer()
        var obj = configMap("")
        obj[path: ["metadata", "name"]] = nil
        obj[path: ["metadata", "generateName"]] = "gen-"
        let r = await s.send("POST", cms, body: obj)
        let name = r.json?[path: ["metadata", "name"]]?.string ?? ""
        #expect(r.status == 201 && name.hasPrefix("gen-") && name.count == 9)
        let dry = await s.send("POST", cms, query: "dryRun=All", body: configMap("dry"))
        #expect(dry.status == 201)
        #expect(await s.send("GET", cms + "/dry").status == 404)
    }

    @Test func createInMissingNamespaceIs404() async throws {
        let s = try await TestServer()
        let r = await s.send("POST", "/api/v1/namespaces/nowhere/configmaps", body: configMap("x"))
        #expect(r.status == 404)
        #expect(r.json?["message"]?.string == "namespaces \"nowhere\" not found")
    }

    @Test func pagedListIsConsistentAcrossWrites() async throws {
        let s = try await TestServer()
        for i in 0..<5 { _ = await s.send("POST", cms, body: configMap("p\(i)")) }
        let first = await s.send("GET", cms, query: "limit=2")
        #expect(first.json?["items"]?.array?.count == 2)
        let token = first.json?[path: ["metadata", "continue"]]?.string ?? ""
        #expect(!token.isEmpty)
        // A write after the first page is not seen by later pages of the same list.
        _ = await s.send("POST", cms, body: configMap("p9"))
        var names: [String] = first.json?["items"]?.array?.compactMap { $0[path: ["metadata", "name"]]?.string } ?? []
        var next = token
        while !next.isEmpty {
            let page = await s.send("GET", cms, query: "limit=2&continue=\(next)")
            #expect(page.status == 200)
            names += page.json?["items"]?.array?.compactMap { $0[path: ["metadata", "name"]]?.string } ?? []
            next = page.json?[path: ["metadata", "continue"]]?.string ?? ""
        }
        #expect(names == ["p0", "p1", "p2", "p3", "p4"])
    }

    @Test func watchFromResourceVersionReplaysThenFollows() async throws {
        let s = try await TestServer()
        let list = await s.send("GET", cms)
        let rv = list.json?[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        _ = await s.send("POST", cms, body: configMap("w", data: ["a": "1"]))
        let w = await s.send("GET", cms, query: "watch=true&resourceVersion=\(rv)")
        let reader = Task { try await s.lines(w, count: 3) }
        // Stays: lets the watch open before the writes; not needed for the result, as the watch starts at `rv`.
        try await Task.sleep(for: .milliseconds(50))
        _ = await s.send("PATCH", cms + "/w", body: ["data": ["a": "2"]], contentType: "application/merge-patch+json")
        _ = await s.send("DELETE", cms + "/w")
        let events = try await reader.value
        #expect(events.map { $0["type"]?.string ?? "" } == ["ADDED", "MODIFIED", "DELETED"])
        #expect(events[1]["object"]?["data"]?["a"]?.string == "2")
        let rvs = events.compactMap { Int($0["object"]?[path: ["metadata", "resourceVersion"]]?.string ?? "") }
        #expect(rvs == rvs.sorted() && Set(rvs).count == 3)
    }

    @Test func boundPodDeletionIsGraceful() async throws {
        let s = try await TestServer()
        let pods = "/api/v1/namespaces/default/pods"
        _ = await s.send("POST", pods, body: pod("unbound"))
        _ = await s.send("POST", pods, body: pod("bound", node: "n1"))
        #expect(await s.send("DELETE", pods + "/unbound").status == 200)
        #expect(await s.send("GET", pods + "/unbound").status == 404)
        let d = await s.send("DELETE", pods + "/bound")
        #expect(d.status == 200)
        #expect(d.json?[path: ["metadata", "deletionTimestamp"]]?.string != nil)
        #expect(d.json?[path: ["metadata", "deletionGracePeriodSeconds"]]?.int == 30)
        #expect(await s.send("GET", pods + "/bound").status == 200)
        // The kubelet finishes it with a zero grace period.
        let done = await s.send("DELETE", pods + "/bound", body: ["gracePeriodSeconds": 0])
        #expect(done.status == 200)
        #expect(await s.send("GET", pods + "/bound").status == 404)
    }

    @Test func finalizersHoldDeletionUntilRemoved() async throws {
        let s = try await TestServer()
        var obj = configMap("held")
        obj[path: ["metadata", "finalizers"]] = ["example.com/hold"]
        _ = await s.send("POST", cms, body: obj)
        let d = await s.send("DELETE", cms + "/held")
        #expect(d.json?[path: ["metadata", "deletionTimestamp"]] != nil)
        #expect(await s.send("GET", cms + "/held").status == 200)
        _ = await s.send("PATCH", cms + "/held", body: ["metadata": ["finalizers": nil]], contentType: "application/merge-patch+json")
        #expect(await s.send("GET", cms + "/held").status == 404)
    }

    @Test func statusOnlyThroughStatusSubresource() async throws {
        let s = try await TestServer()
        let pods = "/api/v1/namespaces/default/pods"
        var p = pod("st")
        p["status"] = ["phase": "Running"]
        let created = await s.send("POST", pods, body: p)
        #expect(created.json?[path: ["status", "phase"]]?.string != "Running")
        var cur = created.json!
        cur["status"] = ["phase": "Running"]
        let viaMain = await s.send("PUT", pods + "/st", body: cur)
        #expect(viaMain.json?[path: ["status", "phase"]]?.string != "Running")
        cur = viaMain.json!
        cur["status"] = ["phase": "Running"]
        cur[path: ["metadata", "labels"]] = ["sneaky": "yes"]
        let viaStatus = await s.send("PUT", pods + "/st/status", body: cur)
        #expect(viaStatus.json?[path: ["status", "phase"]]?.string == "Running")
        #expect(viaStatus.json?[path: ["spec", "containers"]]?[0]?["image"]?.string == "nginx:alpine")
    }

    @Test func serviceGetsClusterIPAndNodePort() async throws {
        let s = try await TestServer()
        let svc: JSON = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
                         "spec": ["type": "NodePort", "selector": ["app": "web"], "ports": [["port": 80, "targetPort": 80]]]]
        let r = await s.send("POST", "/api/v1/namespaces/default/services", body: svc)
        #expect(r.status == 201)
        let ip = r.json?[path: ["spec", "clusterIP"]]?.string ?? ""
        #expect(ip.hasPrefix("10.96.") && ip != "10.96.0.1")
        let np = r.json?[path: ["spec", "ports"]]?[0]?["nodePort"]?.int ?? 0
        #expect((30000...32767).contains(np))
        var taken = svc
        taken[path: ["metadata", "name"]] = "clash"
        taken[path: ["spec", "clusterIP"]] = .string(ip)
        let clash = await s.send("POST", "/api/v1/namespaces/default/services", body: taken)
        #expect(clash.status == 422)
    }

    @Test func namespaceDeletionEmptiesIt() async throws {
        let s = try await TestServer()
        _ = await s.send("POST", "/api/v1/namespaces", body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "tmp"]])
        _ = await s.send("POST", "/api/v1/namespaces/tmp/configmaps", body: configMap("in"))
        let d = await s.send("DELETE", "/api/v1/namespaces/tmp")
        #expect(d.json?[path: ["status", "phase"]]?.string == "Terminating")
        let refused = await s.send("POST", "/api/v1/namespaces/tmp/configmaps", body: configMap("late"))
        #expect(refused.status == 403)
        let cleaner = Task { await s.handler.namespaceCleanup.run(s.handler) }
        defer { cleaner.cancel() }
        s.handler.namespaceCleanup.kick()
        var gone = false
        for _ in 0..<100 {
            if await s.send("GET", "/api/v1/namespaces/tmp").status == 404 { gone = true; break }
            s.handler.namespaceCleanup.kick()
            // Polls: namespace cleanup runs on its own task, kicked above; nothing signals its end.
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(gone)
        #expect(await s.send("GET", "/api/v1/namespaces/tmp/configmaps/in").status == 404)
    }

    @Test func scaleSubresource() async throws {
        let s = try await TestServer()
        let dep: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
                         "spec": ["replicas": 1, "selector": ["matchLabels": ["a": "b"]],
                                  "template": ["metadata": ["labels": ["a": "b"]], "spec": ["containers": [["name": "c", "image": "x"]]]]]]
        _ = await s.send("POST", "/apis/apps/v1/namespaces/default/deployments", body: dep)
        let sc = await s.send("GET", "/apis/apps/v1/namespaces/default/deployments/d/scale")
        #expect(sc.json?["kind"]?.string == "Scale" && sc.json?[path: ["spec", "replicas"]]?.int == 1)
        #expect(sc.json?[path: ["status", "selector"]]?.string == "a=b")
        let up = await s.send("PATCH", "/apis/apps/v1/namespaces/default/deployments/d/scale", body: ["spec": ["replicas": 5]], contentType: "application/merge-patch+json")
        #expect(up.json?[path: ["spec", "replicas"]]?.int == 5)
        let d = await s.send("GET", "/apis/apps/v1/namespaces/default/deployments/d")
        #expect(d.json?[path: ["spec", "replicas"]]?.int == 5)
    }

    @Test func badInputNeverStores() async throws {
        let s = try await TestServer()
        let r = await s.handler.handle(APIRequest(method: "POST", path: cms, query: nil, headers: ["Content-Type": "application/json"], body: Data("{\"metadata\":".utf8)))
        #expect(r.status == 400)
        let wrongKind = await s.send("POST", cms, body: ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "x"]])
        #expect(wrongKind.status == 400)
        let list = await s.send("GET", cms)
        #expect(list.json?["items"]?.array?.isEmpty == true)
    }
}

@Suite struct WatchExpiryTests {
    @Test func watchFromCompactedRevisionGetsExpiredError() async throws {
        let s = try await TestServer()
        let cms = "/api/v1/namespaces/default/configmaps"
        let first = await s.send("POST", cms, body: configMap("old"))
        let oldRV = first.json?[path: ["metadata", "resourceVersion"]]?.string ?? ""
        for i in 0..<3 { _ = await s.send("POST", cms, body: configMap("n\(i)")) }
        let current = try await s.handler.kv.currentRevision()
        try await s.handler.kv.compact(revision: current)
        let w = await s.send("GET", cms, query: "watch=true&resourceVersion=\(oldRV)")
        #expect(w.status == 200)
        let events = try await s.lines(w, count: 1)
        #expect(events.first?["type"]?.string == "ERROR")
        #expect(events.first?["object"]?["code"]?.int == 410)
        #expect(events.first?["object"]?["reason"]?.string == "Expired")
        // A list at the compacted revision is refused the same way; a fresh list works.
        let exact = await s.send("GET", cms, query: "resourceVersion=\(oldRV)&resourceVersionMatch=Exact")
        #expect(exact.status == 410)
        #expect(await s.send("GET", cms).status == 200)
    }

    @Test func bookmarksArriveWhenAskedFor() async throws {
        let s = try await TestServer()
        let cms = "/api/v1/namespaces/default/configmaps"
        let list = await s.send("GET", cms)
        let rv = list.json?[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        let w = await s.send("GET", cms, query: "watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=\(rv)")
        let events = try await s.lines(w, count: 1)
        #expect(events.first?["type"]?.string == "BOOKMARK")
        #expect(events.first?["object"]?[path: ["metadata", "annotations", "k8s.io/initial-events-end"]]?.string == "true")
    }
}
