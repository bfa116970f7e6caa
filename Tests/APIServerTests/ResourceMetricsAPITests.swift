import APIMachinery
import Foundation
@testable import Kubelet
import Testing

@testable import APIServer

@Suite struct PrometheusTextTests {
    @Test func samplesWithLabelsValuesAndTimestamps() throws {
        let text = """
        # HELP x [STABLE] help
        # TYPE x counter
        container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 1.5 1700000000123
        node_memory_working_set_bytes 1.23456789e+08 1700000000000
        odd{q="a \\"quoted\\" \\\\ value",z=""} +Inf

        scrape_error 0
        """
        let samples = try PrometheusText.parse(text)
        #expect(samples.count == 4)
        #expect(samples[0] == PrometheusSample(name: "container_cpu_usage_seconds_total", labels: ["container": "a", "namespace": "ns", "pod": "p"],
                                               value: 1.5, timestampMilliseconds: 1_700_000_000_123))
        #expect(samples[1].value == 123_456_789)
        #expect(samples[2].labels == ["q": "a \"quoted\" \\ value", "z": ""])
        #expect(samples[3] == PrometheusSample(name: "scrape_error", labels: [:], value: 0, timestampMilliseconds: nil))
        #expect(throws: PrometheusText.ParseError(line: 1, reason: "no value for broken")) { try PrometheusText.parse("broken{a=\"b\"}") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse("x{a=b} 1") }
    }

    /// What the kubelet writes, the API server reads.
    @Test func theKubeletsPageDecodesIntoAScrape() throws {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        let snapshot = NodeStatsSnapshot(
            nodeName: "n1", nodeStartTime: t, node: UsagePoint(timestamp: t, cpuUsageCoreNanoseconds: 20_000_000_000, memoryWorkingSetBytes: 1 << 30, memoryUsageBytes: 1 << 30),
            memoryCapacityBytes: nil,
            pods: [.init(namespace: "default", name: "web", uid: "u", startTime: t,
                         containers: [.init(name: "app", startTime: t.addingTimeInterval(-5),
                                            usage: UsagePoint(timestamp: t, cpuUsageCoreNanoseconds: 250_000_000, memoryWorkingSetBytes: 5 << 20, memoryUsageBytes: 5 << 20))],
                         usage: UsagePoint(timestamp: t, cpuUsageCoreNanoseconds: 250_000_000, memoryWorkingSetBytes: 5 << 20, memoryUsageBytes: 5 << 20))],
            scrapeError: false)
        let scrape = NodeScrape(samples: try PrometheusText.parse(ResourceMetricsText.render(snapshot)), scrapedAt: .distantPast)
        #expect(scrape.node == MetricsPoint(timestamp: t, cpuSeconds: 20, memoryWorkingSetBytes: 1 << 30))
        #expect(scrape.containers == [ContainerKey(namespace: "default", pod: "web", container: "app"):
                                        MetricsPoint(timestamp: t, cpuSeconds: 0.25, memoryWorkingSetBytes: 5 << 20, startTime: t.addingTimeInterval(-5))])
        // The first scrape already gives the container a rate since it started: 0.25 s of CPU in 5 s.
        #expect(MetricsUsage.sinceStart(scrape.containers.values.first!) == MetricsUsage(timestamp: t, window: 5, nanoCores: 50_000_000, memoryBytes: 5 << 20))
    }
}

@Suite struct ResourceMetricsAPITests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func node(_ cpu: Double, at t: Date) -> MetricsPoint { MetricsPoint(timestamp: t, cpuSeconds: cpu, memoryWorkingSetBytes: 512 << 20) }
    func container(_ cpu: Double, at t: Date, memory: Int64 = 10 << 20) -> MetricsPoint {
        MetricsPoint(timestamp: t, cpuSeconds: cpu, memoryWorkingSetBytes: memory, startTime: t0.addingTimeInterval(-100))
    }

    /// A server with node n1 (label zone=a) and running pods web (two containers) and db, and two scrapes 15 s apart.
    func server() async throws -> TestServer {
        let s = try await TestServer()
        await s.send("POST", "/api/v1/nodes", body: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1", "labels": ["zone": "a"]]])
        await s.send("POST", "/api/v1/nodes", body: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n2"]])
        for (name, containers, labels) in [("web", ["app", "side"], ["app": "web"]), ("db", ["db"], ["app": "db"]), ("idle", ["x"], ["app": "web"])] {
            let body: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": .from(labels)],
                              "spec": ["nodeName": "n1", "containers": .array(containers.map { ["name": .string($0), "image": "busybox"] })]]
            await s.send("POST", "/api/v1/namespaces/default/pods", body: body)
            if name != "idle" {
                await s.send("PATCH", "/api/v1/namespaces/default/pods/\(name)/status", body: ["status": ["phase": "Running"]],
                             contentType: "application/merge-patch+json")
            }
        }
        let t1 = t0.addingTimeInterval(15)
        func key(_ pod: String, _ c: String) -> ContainerKey { ContainerKey(namespace: "default", pod: pod, container: c) }
        s.handler.resourceMetrics.store(node: "n1", NodeScrape(node: node(100, at: t0), containers: [
            key("web", "side"): container(1, at: t0), key("web", "app"): container(10, at: t0), key("db", "db"): container(0, at: t0)]))
        s.handler.resourceMetrics.store(node: "n1", NodeScrape(node: node(115, at: t1), containers: [
            key("web", "side"): container(1.15, at: t1), key("web", "app"): container(13, at: t1, memory: 20 << 20), key("db", "db"): container(0.0015, at: t1)]))
        return s
    }

    @Test func nodeMetricsAreTheRateBetweenTheLastTwoScrapes() async throws {
        let s = try await server()
        let list = try #require(await s.send("GET", "/apis/metrics.k8s.io/v1beta1/nodes").json)
        #expect(list["kind"] == "NodeMetricsList")
        // n2 was never scraped: not listed.
        let items = list["items"]?.array ?? []
        #expect(items.count == 1)
        #expect(items[0][path: ["metadata", "name"]] == "n1")
        #expect(items[0][path: ["metadata", "labels"]] == ["zone": "a"])
        #expect(items[0]["timestamp"]?.string == RFC3339.time(t0.addingTimeInterval(15)))
        #expect(items[0]["window"] == "15s")
        #expect(items[0]["usage"] == ["cpu": "1", "memory": "512Mi"])
        let one = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/nodes/n1")
        #expect(one.status == 200)
        #expect(one.json?["kind"] == "NodeMetrics")
        let missing = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/nodes/n2")
        #expect(missing.status == 404)
        #expect(missing.json?["message"] == "nodemetrics.metrics.k8s.io \"n2\" not found")
        let selected = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/nodes", query: "labelSelector=zone%3Db")
        #expect(selected.json?["items"] == [])
    }

    @Test func podMetricsListContainersInSpecOrder() async throws {
        let s = try await server()
        let web = try #require(await s.send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web").json)
        #expect(web["kind"] == "PodMetrics")
        #expect(web["containers"] == [["name": "app", "usage": ["cpu": "200m", "memory": "20Mi"]],
                                      ["name": "side", "usage": ["cpu": "10m", "memory": "10Mi"]]])
        #expect(web[path: ["metadata", "labels"]] == ["app": "web"])
        let db = try #require(await s.send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db").json)
        #expect(db["containers"]?[0]?["usage"]?["cpu"] == "100u")
        // A pod not running has no metrics; a selector picks among the rest; other namespaces have none.
        let idle = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/idle")
        #expect(idle.json?["message"] == "podmetrics.metrics.k8s.io \"default/idle\" not found")
        let selected = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", query: "labelSelector=app%3Dweb")
        #expect((selected.json?["items"]?.array ?? []).compactMap { $0[path: ["metadata", "name"]]?.string } == ["web"])
        let all = await s.send("GET", "/apis/metrics.k8s.io/v1beta1/pods")
        #expect((all.json?["items"]?.array ?? []).count == 2)
        #expect(await s.send("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods").json?["items"] == [])
        #expect(await s.send("DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/n1").status == 405)
    }

    @Test func discoveryAndTheAPIServiceShowTheGroup() async throws {
        let s = try await TestServer()
        let groups = try #require(await s.send("GET", "/apis").json)
        #expect((groups["groups"]?.array ?? []).contains { $0["name"] == "metrics.k8s.io" && $0["preferredVersion"]?["groupVersion"] == "metrics.k8s.io/v1beta1" })
        let resources = try #require(await s.send("GET", "/apis/metrics.k8s.io/v1beta1").json)
        #expect((resources["resources"]?.array ?? []).map { $0["name"]?.string ?? "" } == ["nodes", "pods"])
        #expect(resources["resources"]?[1]?["verbs"] == ["get", "list"])
        let service = try #require(await s.send("GET", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io").json)
        #expect(service[path: ["spec", "group"]] == "metrics.k8s.io")
        #expect(service[path: ["status", "conditions"]]?[0]?["reason"] == "Local")
    }
}
