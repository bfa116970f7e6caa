import APIMachinery
import Foundation

/// `/stats/summary`: upstream's Summary API (`k8s.io/kubelet/pkg/apis/stats/v1alpha1`), the CPU and memory
/// parts of it — what metrics-server read before `/metrics/resource` existed, and what tools still read.
/// Codable structs, so the fields come out in the order upstream's Go types declare them.
public struct StatsSummary: Codable, Sendable, Equatable {
    public struct CPUStats: Codable, Sendable, Equatable {
        var time: String
        var usageNanoCores: UInt64?
        var usageCoreNanoSeconds: UInt64?
    }

    public struct MemoryStats: Codable, Sendable, Equatable {
        var time: String
        var availableBytes: UInt64?
        var usageBytes: UInt64?
        var workingSetBytes: UInt64?
        var rssBytes: UInt64?
    }

    public struct NodeStats: Codable, Sendable, Equatable {
        var nodeName: String
        var startTime: String
        var cpu: CPUStats
        var memory: MemoryStats
    }

    public struct PodReference: Codable, Sendable, Equatable {
        var name: String
        var namespace: String
        var uid: String
    }

    public struct ContainerStats: Codable, Sendable, Equatable {
        var name: String
        var startTime: String
        var cpu: CPUStats
        var memory: MemoryStats
    }

    public struct PodStats: Codable, Sendable, Equatable {
        var podRef: PodReference
        var startTime: String?
        var containers: [ContainerStats]
        var cpu: CPUStats
        var memory: MemoryStats
    }

    public var node: NodeStats
    public var pods: [PodStats]

    public init(_ s: NodeStatsSnapshot) {
        func cpu(_ u: UsagePoint) -> CPUStats {
            CPUStats(time: RFC3339.time(u.timestamp), usageNanoCores: u.usageNanoCores, usageCoreNanoSeconds: u.cpuUsageCoreNanoseconds)
        }
        func memory(_ u: UsagePoint, capacity: UInt64? = nil) -> MemoryStats {
            let available = capacity.map { $0 > u.memoryWorkingSetBytes ? $0 - u.memoryWorkingSetBytes : 0 }
            return MemoryStats(time: RFC3339.time(u.timestamp), availableBytes: available, usageBytes: u.memoryUsageBytes,
                               workingSetBytes: u.memoryWorkingSetBytes, rssBytes: u.memoryRSSBytes)
        }
        node = NodeStats(nodeName: s.nodeName, startTime: RFC3339.time(s.nodeStartTime), cpu: cpu(s.node),
                         memory: memory(s.node, capacity: s.memoryCapacityBytes))
        pods = s.pods.map { p in
            PodStats(podRef: PodReference(name: p.name, namespace: p.namespace, uid: p.uid),
                     startTime: p.startTime.map { RFC3339.time($0) },
                     containers: p.containers.map { c in
                         ContainerStats(name: c.name, startTime: RFC3339.time(c.startTime), cpu: cpu(c.usage), memory: memory(c.usage))
                     },
                     cpu: cpu(p.usage), memory: memory(p.usage))
        }
    }

    public func encoded() throws -> Data {
        try JSONEncoder().encode(self)
    }
}
