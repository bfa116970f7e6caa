import APIMachinery
import Foundation
import Synchronization
import Testing

@testable import Kubelet

@Suite struct CgroupStatsTests {
    @Test func cgroupV2FilesGiveCPUAndWorkingSet() throws {
        let sample = CgroupReader.v2Sample(
            cpuStat: "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n", memoryCurrent: "10485760\n",
            memoryStat: CgroupReader.parseFlatKeyed("anon 4194304\nfile 6291456\ninactive_file 2097152\nactive_file 4194304\n"))
        #expect(sample == CgroupSample(cpuUsageNanoseconds: 1_500_000_000, memoryUsageBytes: 10_485_760,
                                       memoryWorkingSetBytes: 8_388_608, memoryRSSBytes: 4_194_304))
    }

    @Test func cgroupV1FilesUseTheHierarchicalTotals() {
        let sample = CgroupReader.v1Sample(
            cpuacctUsage: "2500000000\n", memoryUsage: "1000\n",
            memoryStat: CgroupReader.parseFlatKeyed("cache 900\nrss 10\ninactive_file 5\ntotal_rss 100\ntotal_inactive_file 1200\n"))
        // More inactive cache than usage: the working set is clamped at zero, not wrapped.
        #expect(sample == CgroupSample(cpuUsageNanoseconds: 2_500_000_000, memoryUsageBytes: 1000, memoryWorkingSetBytes: 0, memoryRSSBytes: 100))
        #expect(CgroupReader.v1Sample(cpuacctUsage: "x", memoryUsage: "1", memoryStat: [:]) == nil)
    }

    @Test func aReaderFindsTheHierarchyItIsGiven() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/skiff/c/n"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "cpu memory\n".write(toFile: root + "/cgroup.controllers", atomically: true, encoding: .utf8)
        try "usage_usec 42\n".write(toFile: dir + "/cpu.stat", atomically: true, encoding: .utf8)
        try "4096\n".write(toFile: dir + "/memory.current", atomically: true, encoding: .utf8)
        try "inactive_file 1024\nanon 2048\n".write(toFile: dir + "/memory.stat", atomically: true, encoding: .utf8)
        let reader = CgroupReader(mount: root)
        #expect(reader.version == .v2)
        #expect(reader.sample("/skiff/c/n") == CgroupSample(cpuUsageNanoseconds: 42_000, memoryUsageBytes: 4096, memoryWorkingSetBytes: 3072, memoryRSSBytes: 2048))
        #expect(reader.sample("/skiff/c/gone") == nil)
    }

    @Test func aRateNeedsTimeToPassAndTheCounterToGrow() {
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(CPURate.nanoCores(from: (t, 1_000_000_000), to: (t.addingTimeInterval(10), 6_000_000_000)) == 500_000_000)
        #expect(CPURate.nanoCores(from: (t, 5), to: (t, 10)) == nil)
        // A restarted container's counter starts again from zero.
        #expect(CPURate.nanoCores(from: (t, 5_000), to: (t.addingTimeInterval(1), 10)) == nil)
    }
}

/// A runtime whose counters the test sets.
final class FakeUsageSource: ResourceUsageSource {
    let samples = Mutex<[String: ContainerUsageSample]>([:])
    func containerUsage(pods: [JSON]) async throws -> [String: ContainerUsageSample] { samples.withLock { $0 } }
    func nodeUsage() async -> CgroupSample? { nil }
}

@Suite struct NodeStatsTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func runningPod(_ name: String, containers: [(String, String)], started: Date) -> JSON {
        ["metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")],
         "status": ["phase": "Running", "startTime": .string(RFC3339.time(started)),
                    "containerStatuses": .array(containers.map { name, id in
                        ["name": .string(name), "containerID": .string("containerd://\(id)"),
                         "state": ["running": ["startedAt": .string(RFC3339.time(started))]]]
                    })]]
    }

    @Test func twoScrapesGiveRatesPerContainerPodAndNode() async throws {
        let source = FakeUsageSource()
        let clock = Mutex(t0)
        let pod = runningPod("web", containers: [("app", "a1"), ("side", "s1")], started: t0.addingTimeInterval(-60))
        let collector = NodeStatsCollector(nodeName: "n1", pods: { [pod] }, source: source, memoryCapacityBytes: 1 << 30,
                                           nodeStartTime: t0.addingTimeInterval(-3600), now: { clock.withLock { $0 } })
        source.samples.withLock { $0 = [
            "a1": ContainerUsageSample(containerID: "a1", timestamp: t0, cpuUsageCoreNanoseconds: 1_000_000_000, memoryWorkingSetBytes: 10 << 20),
            "s1": ContainerUsageSample(containerID: "s1", timestamp: t0, cpuUsageCoreNanoseconds: 0, memoryWorkingSetBytes: 1 << 20),
            "other": ContainerUsageSample(containerID: "other", timestamp: t0, cpuUsageCoreNanoseconds: 7, memoryWorkingSetBytes: 7),
        ] }
        let first = await collector.collect()
        #expect(first.pods.count == 1)
        #expect(first.pods[0].containers.map(\.name) == ["app", "side"])
        #expect(first.pods[0].usage.usageNanoCores == nil)
        #expect(first.node.memoryWorkingSetBytes == 11 << 20)

        let t1 = t0.addingTimeInterval(10)
        clock.withLock { $0 = t1 }
        source.samples.withLock { $0 = [
            "a1": ContainerUsageSample(containerID: "a1", timestamp: t1, cpuUsageCoreNanoseconds: 3_000_000_000, memoryWorkingSetBytes: 12 << 20),
            "s1": ContainerUsageSample(containerID: "s1", timestamp: t1, cpuUsageCoreNanoseconds: 500_000_000, memoryWorkingSetBytes: 1 << 20),
        ] }
        let second = await collector.collect()
        let web = try #require(second.pods.first)
        #expect(web.containers[0].usage.usageNanoCores == 200_000_000)
        #expect(web.containers[1].usage.usageNanoCores == 50_000_000)
        #expect(web.usage.usageNanoCores == 250_000_000)
        #expect(web.usage.cpuUsageCoreNanoseconds == 3_500_000_000)
        #expect(second.node.usageNanoCores == 250_000_000)

        // The Summary API: upstream's field names, availableBytes from the capacity.
        let summary = try JSON.parse(StatsSummary(second).encoded())
        #expect(summary[path: ["node", "nodeName"]] == "n1")
        #expect(summary[path: ["node", "cpu", "usageNanoCores"]]?.int == 250_000_000)
        #expect(summary[path: ["node", "memory", "availableBytes"]]?.int == Int64((1 << 30) - (13 << 20)))
        #expect(summary[path: ["pods"]]?[0]?[path: ["podRef"]] == ["name": "web", "namespace": "default", "uid": "uid-web"])
        #expect(summary[path: ["pods"]]?[0]?[path: ["containers"]]?[0]?[path: ["memory", "workingSetBytes"]]?.int == Int64(12 << 20))
    }

    @Test func resourceMetricsUseUpstreamNamesAndTimestamps() async {
        let source = FakeUsageSource()
        let started = t0.addingTimeInterval(-100)
        let pod = runningPod("web", containers: [("app", "a1")], started: started)
        let collector = NodeStatsCollector(nodeName: "n1", pods: { [pod] }, source: source, now: { self.t0 })
        source.samples.withLock { $0 = ["a1": ContainerUsageSample(containerID: "a1", timestamp: t0, cpuUsageCoreNanoseconds: 1_500_000_000, memoryWorkingSetBytes: 123_456_789)] }
        let text = ResourceMetricsText.render(await collector.collect())
        let ms = Int64(t0.timeIntervalSince1970 * 1000)
        #expect(text.contains("# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n"))
        #expect(text.contains("container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web\"} 1.5 \(ms)\n"))
        #expect(text.contains("container_memory_working_set_bytes{container=\"app\",namespace=\"default\",pod=\"web\"} 1.23456789e+08 \(ms)\n"))
        #expect(text.contains("container_start_time_seconds{container=\"app\",namespace=\"default\",pod=\"web\"} 1.7999999e+09 \(ms - 100_000)\n"))
        #expect(text.contains("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 1.5 \(ms)\n"))
        #expect(text.contains("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 1.23456789e+08 \(ms)\n"))
        #expect(text.contains("node_cpu_usage_seconds_total 1.5 \(ms)\n"))
        #expect(text.contains("node_memory_working_set_bytes 1.23456789e+08 \(ms)\n"))
        #expect(text.hasSuffix("# TYPE scrape_error gauge\nscrape_error 0\n"))
    }

    @Test func valuesArePrintedAsGoPrintsFloats() {
        #expect(ResourceMetricsText.format(0) == "0")
        #expect(ResourceMetricsText.format(123456) == "123456")
        #expect(ResourceMetricsText.format(1234567) == "1.234567e+06")
        #expect(ResourceMetricsText.format(0.000123) == "0.000123")
        #expect(ResourceMetricsText.format(0.0000123) == "1.23e-05")
        #expect(ResourceMetricsText.format(12.5) == "12.5")
        #expect(ResourceMetricsText.format(1e21) == "1e+21")
    }

    @Test func simulatedContainersUseTheirAnnotationsOrTheDefault() {
        let usage = SimulatedUsage(nanoCores: 2_000_000, memoryBytes: 1 << 20)
        var pod = runningPod("web", containers: [("app", "sim1")], started: t0.addingTimeInterval(-10))
        var samples = usage.samples(pods: [pod], now: t0)
        #expect(samples["sim1"] == ContainerUsageSample(containerID: "sim1", timestamp: t0, cpuUsageCoreNanoseconds: 20_000_000, memoryWorkingSetBytes: 1 << 20))
        pod[path: ["metadata", "annotations"]] = [SimulatedUsage.cpuAnnotation: "500m", SimulatedUsage.memoryAnnotation: "64Mi"]
        samples = usage.samples(pods: [pod], now: t0)
        #expect(samples["sim1"]?.cpuUsageCoreNanoseconds == 5_000_000_000)
        #expect(samples["sim1"]?.memoryWorkingSetBytes == 64 << 20)
    }

    @Test func statsPathsAreKubeletPaths() {
        #expect(KubeletRequestPath("/stats/summary") == .statsSummary)
        #expect(KubeletRequestPath("/metrics/resource") == .metricsResource)
        #expect(KubeletRequestPath("/metrics/cadvisor") == nil)
    }
}
