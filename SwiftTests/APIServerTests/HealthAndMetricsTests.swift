import APIMachinery
import Foundation
import Synchronization
import Testing

@testable import APIServer

struct HealthAndMetricsTests {
    func text(_ r: APIResponse) -> String {
        guard case .data(let d) = r.body else { return "" }
        return String(decoding: d, as: UTF8.self)
    }

    @Test func readyzAndLivezListTheirChecksAsUpstream() async throws {
        let s = try await TestServer()
        #expect(text(await s.send("GET", "/readyz")) == "ok")
        let verbose = await s.send("GET", "/readyz", query: "verbose")
        let lines = text(verbose).split(separator: "\n").map(String.init)
        #expect(verbose.status == 200)
        #expect(lines.first == "[+]ping ok" && lines.last == "readyz check passed")
        #expect(lines.contains("[+]etcd ok") && lines.contains("[+]etcd-readiness ok") && lines.contains("[+]shutdown ok"))
        let livez = text(await s.send("GET", "/livez", query: "verbose")).split(separator: "\n").map(String.init)
        #expect(livez.last == "livez check passed" && !livez.contains("[+]shutdown ok"))
        // One check, and one left out.
        #expect(text(await s.send("GET", "/readyz/etcd")) == "ok")
        #expect(text(await s.send("GET", "/livez/poststarthook/bootstrap-controller")) == "ok")
        #expect(await s.send("GET", "/readyz/nonsense").status == 404)
        #expect(text(await s.send("GET", "/readyz", query: "verbose&exclude=etcd")).contains("[+]etcd excluded: ok"))
    }

    @Test func aFailingCheckIs500WithTheReasonWithheld() async {
        let checks = HealthChecks(storeReachable: { false })
        let r = await checks.answer(path: "/readyz", query: QueryParameters("verbose"))
        #expect(r?.status == 500)
        let body: String
        if case .data(let d)? = r?.body { body = String(decoding: d, as: UTF8.self) } else { body = "" }
        #expect(body.contains("[-]etcd failed: reason withheld") && body.hasSuffix("readyz check failed\n"))
        #expect(await checks.answer(path: "/livez/ping", query: QueryParameters(nil))?.status == 200)
    }

    /// A store that does not answer (an etcd member stopped with its connection open) fails the check once the
    /// timeout passes, and the probe is cancelled rather than left hanging.
    @Test func aStoreThatHangsFailsTheCheckAndItsProbeIsCancelled() async {
        let cancelled = Mutex(false)
        let hung = await HealthChecks.answers(within: .milliseconds(20)) {
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                cancelled.withLock { $0 = Task.isCancelled }
                throw error
            }
        }
        #expect(!hung)
        #expect(cancelled.withLock { $0 })
        #expect(await HealthChecks.answers(within: .seconds(60)) {})
        #expect(await !HealthChecks.answers(within: .seconds(60)) { throw CancellationError() })
    }

    @Test func requestsAreLabelledAsUpstreamLabelsThem() {
        func labels(_ method: String, _ path: String, _ query: String? = nil, contentType: String = "application/json") -> APIServerMetrics.RequestLabels {
            APIServerMetrics.labels(APIRequest(method: method, path: path, query: query, headers: ["Content-Type": contentType], body: Data()))
        }
        #expect(labels("GET", "/api/v1/pods") == .init(verb: "LIST", version: "v1", resource: "pods", scope: "cluster"))
        #expect(labels("GET", "/api/v1/namespaces/default/pods", "watch=true").verb == "WATCH")
        #expect(labels("GET", "/api/v1/namespaces/default/pods/p/log") == .init(verb: "GET", version: "v1", resource: "pods", subresource: "log", scope: "resource"))
        #expect(labels("PATCH", "/apis/apps/v1/namespaces/d/deployments/x", contentType: "application/apply-patch+yaml").verb == "APPLY")
        #expect(labels("DELETE", "/api/v1/namespaces/d/configmaps") == .init(verb: "DELETECOLLECTION", version: "v1", resource: "configmaps", scope: "namespace"))
        #expect(labels("POST", "/apis/apps/v1/namespaces/d/deployments", "dryRun=All") == .init(verb: "POST", group: "apps", version: "v1", resource: "deployments", scope: "namespace", dryRun: "All"))
        #expect(labels("GET", "/version").verb == "GET")
    }

    @Test func metricsCountRequestsAndStoredObjects() async throws {
        let s = try await TestServer()
        await s.send("GET", "/api/v1/namespaces/default/configmaps")
        await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("one"))
        await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("one"))
        let r = await s.send("GET", "/metrics")
        #expect(r.status == 200 && r.contentType.hasPrefix("text/plain; version=0.0.4"))
        let body = text(r)
        #expect(body.contains(#"apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"} 1"#))
        #expect(body.contains(#"apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"} 1"#))
        #expect(body.contains(#"apiserver_request_total{code="409",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="POST",version="v1"} 1"#))
        #expect(body.contains("# TYPE apiserver_request_duration_seconds histogram"))
        // The bootstrap made default, kube-system, kube-public and kube-node-lease.
        #expect(body.contains(#"apiserver_storage_objects{resource="namespaces"} 4"#))
        #expect(body.contains(#"apiserver_storage_objects{resource="configmaps"} 1"#))
    }
}
