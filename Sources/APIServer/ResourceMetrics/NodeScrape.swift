import Foundation

/// A cumulative CPU reading and the memory working set of one node or container at one instant.
struct MetricsPoint: Sendable, Equatable {
    var timestamp: Date
    /// Cumulative CPU time, in core-seconds.
    var cpuSeconds: Double
    var memoryWorkingSetBytes: Int64
    /// When the container started (nil for nodes): a new start means the counter began again.
    var startTime: Date?
}

/// One pod's container, as the kubelet's metrics name it.
struct ContainerKey: Sendable, Hashable {
    var namespace: String
    var pod: String
    var container: String
}

/// What one scrape of a kubelet's `/metrics/resource` says (metrics-server's `MetricsBatch` for a node).
struct NodeScrape: Sendable, Equatable {
    var node: MetricsPoint?
    var containers: [ContainerKey: MetricsPoint]

    /// Decodes the samples metrics-server reads; others are ignored. A container needs both its CPU and
    /// memory samples to count (metrics-server drops half-reported containers).
    init(samples: [PrometheusSample], scrapedAt: Date) {
        func time(_ s: PrometheusSample) -> Date {
            s.timestampMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? scrapedAt
        }
        var nodeCPU: (Date, Double)?
        var nodeMemory: Double?
        var cpu: [ContainerKey: (Date, Double)] = [:]
        var memory: [ContainerKey: Double] = [:]
        var start: [ContainerKey: Double] = [:]
        for s in samples {
            switch s.name {
            case "node_cpu_usage_seconds_total": nodeCPU = (time(s), s.value)
            case "node_memory_working_set_bytes": nodeMemory = s.value
            case "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_start_time_seconds":
                guard let ns = s.labels["namespace"], let pod = s.labels["pod"], let c = s.labels["container"] else { continue }
                let key = ContainerKey(namespace: ns, pod: pod, container: c)
                switch s.name {
                case "container_cpu_usage_seconds_total": cpu[key] = (time(s), s.value)
                case "container_memory_working_set_bytes": memory[key] = s.value
                default: start[key] = s.value
                }
            default: continue
            }
        }
        if let (t, c) = nodeCPU, let m = nodeMemory {
            node = MetricsPoint(timestamp: t, cpuSeconds: c, memoryWorkingSetBytes: Int64(m))
        } else {
            node = nil
        }
        var out: [ContainerKey: MetricsPoint] = [:]
        for (key, (t, c)) in cpu {
            guard let m = memory[key] else { continue }
            out[key] = MetricsPoint(timestamp: t, cpuSeconds: c, memoryWorkingSetBytes: Int64(m),
                                    startTime: start[key].map { Date(timeIntervalSince1970: $0) })
        }
        containers = out
    }

    init(node: MetricsPoint?, containers: [ContainerKey: MetricsPoint]) {
        self.node = node
        self.containers = containers
    }
}
