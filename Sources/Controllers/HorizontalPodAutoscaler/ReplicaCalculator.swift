import APIMachinery
import Foundation

/// Upstream's replica calculator (pkg/controller/podautoscaler/replica_calculator.go) for resource
/// metrics: from the pods' usage and requests, the replica count that brings the average to the target.
///
/// Pods are grouped as upstream groups them: deleted and failed pods are ignored; pending pods, and for
/// CPU pods still starting up (within `cpuInitializationPeriod` of their start and not yet ready for a
/// whole metrics window), are "unready"; pods without a metric are "missing". A change within
/// `tolerance` (10%) of the target keeps the current count. When pods are missing or unready the
/// calculation is rerun conservatively (missing pods count as at target when scaling down and as idle
/// when scaling up; unready pods as idle when scaling up), and a result that would reverse the direction
/// keeps the current count.
public struct ReplicaCalculator: Sendable {
    public var tolerance = 0.1
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    public var cpuInitializationPeriod: TimeInterval = 300
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    public var delayOfInitialReadinessStatus: TimeInterval = 30

    public init() {}

    public struct UtilizationResult: Sendable, Equatable {
        public var replicas: Int32
        /// Average usage as a percentage of the requests.
        public var utilization: Int32
        /// Average usage per pod, in milli-units.
        public var rawUtilization: Int64
        public var timestamp: Date
    }

    public struct ValueResult: Sendable, Equatable {
        public var replicas: Int32
        /// Average usage per pod, in milli-units.
        public var usage: Int64
        public var timestamp: Date
    }

    func withinTolerance(_ ratio: Double) -> Bool { abs(1 - ratio) <= tolerance }

    struct Groups {
        var readyCount = 0
        var unready: Set<String> = []
        var missing: Set<String> = []
        var ignored: Set<String> = []
    }

    /// upstream's `groupPods`.
    func group(_ pods: [JSON], metrics: [String: PodMetric], resource: String, now: Date) -> Groups {
        var g = Groups()
        for pod in pods {
            let name = pod[path: ["metadata", "name"]]?.string ?? ""
            let phase = pod[path: ["status", "phase"]]?.string ?? ""
            if pod[path: ["metadata", "deletionTimestamp"]].map({ !$0.isNull }) == true || phase == "Failed" {
                g.ignored.insert(name)
                continue
            }
            if phase == "Pending" {
                g.unready.insert(name)
                continue
            }
            guard let metric = metrics[name] else {
                g.missing.insert(name)
                continue
            }
            if resource == "cpu" {
                let ready = (pod[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == "Ready" }
                let start = pod[path: ["status", "startTime"]]?.string.flatMap(RFC3339.parse)
                var unready: Bool
                if let ready, let start {
                    let transition = ready["lastTransitionTime"]?.string.flatMap(RFC3339.parse) ?? .distantPast
                    let notReady = ready["status"]?.string == "False"
                    if start.addingTimeInterval(cpuInitializationPeriod) > now {
                        // Still starting: ignore the sample unless ready for at least one whole window.
                        unready = notReady || metric.timestamp < transition.addingTimeInterval(metric.window)
                    } else {
                        // Ignore it only if the pod never became ready.
                        unready = notReady && start.addingTimeInterval(delayOfInitialReadinessStatus) > transition
                    }
                } else {
                    unready = true
                }
                if unready {
                    g.unready.insert(name)
                    continue
                }
            }
            g.readyCount += 1
        }
        return g
    }

    /// upstream's `calculatePodRequests`: each pod's summed request of the resource (app containers and
    /// restartable init containers), in milli-units; a container without one is an error.
    static func requests(_ pods: [JSON], resource: String, container: String?) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for pod in pods {
            let name = pod[path: ["metadata", "name"]]?.string ?? ""
            var containers = pod[path: ["spec", "containers"]]?.array ?? []
            containers += (pod[path: ["spec", "initContainers"]]?.array ?? []).filter { $0["restartPolicy"]?.string == "Always" }
            var sum: Int64 = 0
            for c in containers {
                let cname = c["name"]?.string ?? ""
                guard container == nil || container == cname else { continue }
                guard let q = c[path: ["resources", "requests", resource]].flatMap({ try? Quantity(json: $0) }) else {
                    throw HPAError("missing request for \(resource) in container \(cname) of Pod \(name)")
                }
                sum += q.milliValue
            }
            out[name] = sum
        }
        return out
    }

    /// upstream's `GetResourceUtilizationRatio`: usage over requests of the pods having both.
    static func utilizationRatio(_ metrics: [String: PodMetric], requests: [String: Int64], target: Int32) throws -> (ratio: Double, utilization: Int32, raw: Int64) {
        var usage: Int64 = 0, requested: Int64 = 0, n: Int64 = 0
        for (name, m) in metrics {
            guard let r = requests[name] else { continue }
            usage += m.value
            requested += r
            n += 1
        }
        guard requested != 0 else { throw HPAError("no metrics returned matched known pods") }
        let utilization = Int32(usage * 100 / requested)
        return (Double(utilization) / Double(target), utilization, usage / n)
    }

    /// upstream's `GetMetricUsageRatio`: the average against an average-value target.
    static func usageRatio(_ metrics: [String: PodMetric], target: Int64) -> (ratio: Double, usage: Int64) {
        let total = metrics.values.reduce(Int64(0)) { $0 + $1.value }
        let usage = total / Int64(max(metrics.count, 1))
        return (Double(usage) / Double(target), usage)
    }

    /// A Utilization target (`averageUtilization` percent of the requests).
    public func replicas(current: Int32, targetUtilization: Int32, resource: String, container: String? = nil,
                         metrics info: PodMetricsInfo, pods: [JSON], now: Date) throws -> UtilizationResult {
        guard !pods.isEmpty else { throw HPAError("no pods returned by selector while calculating replica count") }
        var metrics = info.metrics
        let g = group(pods, metrics: metrics, resource: resource, now: now)
        for name in g.ignored.union(g.unready) { metrics[name] = nil }
        guard !metrics.isEmpty else { throw HPAError("did not receive metrics for targeted pods (pods might be unready)") }
        let requests = try Self.requests(pods, resource: resource, container: container)
        let (ratio, utilization, raw) = try Self.utilizationRatio(metrics, requests: requests, target: targetUtilization)
        func result(_ n: Int32) -> UtilizationResult { UtilizationResult(replicas: n, utilization: utilization, rawUtilization: raw, timestamp: info.timestamp) }

        let scaleUpWithUnready = !g.unready.isEmpty && ratio > 1
        if !scaleUpWithUnready && g.missing.isEmpty {
            if withinTolerance(ratio) { return result(current) }
            return result(Int32((ratio * Double(g.readyCount)).rounded(.up)))
        }
        if !g.missing.isEmpty {
            if ratio < 1 {
                // Scaling down: missing pods count as using their request (or the target, above 100%).
                let fallback = Int64(max(100, targetUtilization))
                for name in g.missing { metrics[name] = PodMetric(timestamp: info.timestamp, window: 0, value: (requests[name] ?? 0) * fallback / 100) }
            } else if ratio > 1 {
                for name in g.missing { metrics[name] = PodMetric(timestamp: info.timestamp, window: 0, value: 0) }
            }
        }
        if scaleUpWithUnready {
            for name in g.unready { metrics[name] = PodMetric(timestamp: info.timestamp, window: 0, value: 0) }
        }
        let (newRatio, _, _) = try Self.utilizationRatio(metrics, requests: requests, target: targetUtilization)
        if withinTolerance(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) { return result(current) }
        let proposed = Int32((newRatio * Double(metrics.count)).rounded(.up))
        if (newRatio < 1 && proposed > current) || (newRatio > 1 && proposed < current) { return result(current) }
        return result(proposed)
    }

    /// An AverageValue target (milli-units per pod).
    public func replicas(current: Int32, targetAverageValue: Int64, resource: String,
                         metrics info: PodMetricsInfo, pods: [JSON], now: Date) throws -> ValueResult {
        guard !pods.isEmpty else { throw HPAError("no pods returned by selector while calculating replica count") }
        var metrics = info.metrics
        let g = group(pods, metrics: metrics, resource: resource, now: now)
        for name in g.ignored.union(g.unready) { metrics[name] = nil }
        guard !metrics.isEmpty else { throw HPAError("did not receive metrics for targeted pods (pods might be unready)") }
        let (ratio, usage) = Self.usageRatio(metrics, target: targetAverageValue)
        func result(_ n: Int32) -> ValueResult { ValueResult(replicas: n, usage: usage, timestamp: info.timestamp) }

        let scaleUpWithUnready = !g.unready.isEmpty && ratio > 1
        if !scaleUpWithUnready && g.missing.isEmpty {
            if withinTolerance(ratio) { return result(current) }
            return result(Int32((ratio * Double(g.readyCount)).rounded(.up)))
        }
        if !g.missing.isEmpty {
            let fill: Int64 = ratio < 1 ? targetAverageValue : 0
            for name in g.missing { metrics[name] = PodMetric(timestamp: info.timestamp, window: 0, value: fill) }
        }
        if scaleUpWithUnready {
            for name in g.unready { metrics[name] = PodMetric(timestamp: info.timestamp, window: 0, value: 0) }
        }
        let (newRatio, _) = Self.usageRatio(metrics, target: targetAverageValue)
        if withinTolerance(newRatio) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) { return result(current) }
        let proposed = Int32((newRatio * Double(metrics.count)).rounded(.up))
        if (newRatio < 1 && proposed > current) || (newRatio > 1 && proposed < current) { return result(current) }
        return result(proposed)
    }
}
