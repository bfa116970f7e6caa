import APIMachinery
import Foundation
import Synchronization

/// Measures the node and its running pods' containers on demand (upstream: the summary provider over
/// cAdvisor and CRI stats), keeping each counter's previous reading so a scrape also reports the CPU
/// rate since the last one.
public final class NodeStatsCollector: Sendable {
    let nodeName: String
    let pods: @Sendable () -> [JSON]
    let source: any ResourceUsageSource
    let memoryCapacityBytes: UInt64?
    let nodeStartTime: Date
    let now: @Sendable () -> Date
    /// The last cumulative CPU reading of each counter: a container ID, `pod/<uid>` or `node`.
    private let previous = Mutex<[String: (time: Date, cumulative: UInt64)]>([:])

    public init(nodeName: String, pods: @escaping @Sendable () -> [JSON], source: any ResourceUsageSource,
                memoryCapacityBytes: UInt64? = nil, nodeStartTime: Date = NodeStatsCollector.bootTime(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.nodeName = nodeName
        self.pods = pods
        self.source = source
        self.memoryCapacityBytes = memoryCapacityBytes
        self.nodeStartTime = nodeStartTime
        self.now = now
    }

    /// Measures now.
    public func collect() async -> NodeStatsSnapshot {
        let pods = self.pods().filter { ($0[path: ["status", "phase"]]?.string ?? "") == "Running" }
        var scrapeError = false
        var samples: [String: ContainerUsageSample] = [:]
        do {
            samples = try await source.containerUsage(pods: pods)
        } catch {
            scrapeError = true
        }
        let nodeSample = await source.nodeUsage()
        let time = now()
        return previous.withLock { previous in
            func point(_ key: String, _ time: Date, cpu: UInt64, workingSet: UInt64, usage: UInt64, rss: UInt64? = nil) -> UsagePoint {
                let rate = previous[key].flatMap { CPURate.nanoCores(from: $0, to: (time, cpu)) }
                previous[key] = (time, cpu)
                return UsagePoint(timestamp: time, cpuUsageCoreNanoseconds: cpu, usageNanoCores: rate,
                                  memoryWorkingSetBytes: workingSet, memoryUsageBytes: usage, memoryRSSBytes: rss)
            }
            var seen: Set<String> = ["node"]
            var podStats: [NodeStatsSnapshot.Pod] = []
            for pod in pods {
                var containers: [NodeStatsSnapshot.Container] = []
                for status in pod[path: ["status", "containerStatuses"]]?.array ?? [] {
                    guard let raw = status["containerID"]?.string, let sample = samples[ContainerIDs.strip(raw)],
                          let started = status[path: ["state", "running", "startedAt"]]?.string.flatMap(RFC3339.parse) else { continue }
                    seen.insert(sample.containerID)
                    containers.append(.init(
                        name: status["name"]?.string ?? "", startTime: started,
                        usage: point(sample.containerID, sample.timestamp, cpu: sample.cpuUsageCoreNanoseconds,
                                     workingSet: sample.memoryWorkingSetBytes, usage: sample.memoryUsageBytes)))
                }
                guard !containers.isEmpty, let uid = pod[path: ["metadata", "uid"]]?.string else { continue }
                let key = "pod/\(uid)"
                seen.insert(key)
                let stamp = containers.map(\.usage.timestamp).max() ?? time
                let usage = point(key, stamp,
                                  cpu: containers.reduce(0) { $0 &+ $1.usage.cpuUsageCoreNanoseconds },
                                  workingSet: containers.reduce(0) { $0 &+ $1.usage.memoryWorkingSetBytes },
                                  usage: containers.reduce(0) { $0 &+ $1.usage.memoryUsageBytes })
                podStats.append(.init(
                    namespace: pod[path: ["metadata", "namespace"]]?.string ?? "", name: pod[path: ["metadata", "name"]]?.string ?? "",
                    uid: uid, startTime: pod[path: ["status", "startTime"]]?.string.flatMap(RFC3339.parse),
                    containers: containers, usage: usage))
            }
            let node: UsagePoint
            if let n = nodeSample {
                node = point("node", time, cpu: n.cpuUsageNanoseconds, workingSet: n.memoryWorkingSetBytes,
                             usage: n.memoryUsageBytes, rss: n.memoryRSSBytes)
            } else {
                node = point("node", time,
                             cpu: podStats.reduce(0) { $0 &+ $1.usage.cpuUsageCoreNanoseconds },
                             workingSet: podStats.reduce(0) { $0 &+ $1.usage.memoryWorkingSetBytes },
                             usage: podStats.reduce(0) { $0 &+ $1.usage.memoryUsageBytes })
            }
            // Forget what is gone, so the table does not grow with every container ever run.
            previous = previous.filter { seen.contains($0.key) }
            return NodeStatsSnapshot(nodeName: nodeName, nodeStartTime: nodeStartTime, node: node,
                                     memoryCapacityBytes: memoryCapacityBytes, pods: podStats, scrapeError: scrapeError)
        }
    }

    /// When the machine booted (`btime` in /proc/stat): the node's start as cAdvisor reports it.
    public static func bootTime() -> Date {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            if let s = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) { return Date(timeIntervalSince1970: s) }
        }
        return Date()
    }
}
