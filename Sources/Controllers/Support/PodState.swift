import APIMachinery
import Foundation

/// The pod facts controllers act on, as upstream's `podutil` and `controller` helpers define them.
enum PodState {
    static func condition(_ pod: JSON, _ type: String) -> JSON? {
        (pod[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == type }
    }

    /// The Ready condition is True (upstream's `IsPodReady`).
    static func isReady(_ pod: JSON) -> Bool {
        condition(pod, "Ready")?["status"]?.string == "True"
    }

    /// When the pod last became Ready; nil when it is not ready or the time is unknown.
    static func readyTime(_ pod: JSON) -> Date? {
        guard isReady(pod) else { return nil }
        return condition(pod, "Ready")?["lastTransitionTime"]?.string.flatMap(RFC3339.parse)
    }

    /// Ready for at least `minReadySeconds` (upstream's `IsPodAvailable`).
    static func isAvailable(_ pod: JSON, minReadySeconds: Int64, now: Date) -> Bool {
        guard isReady(pod) else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = condition(pod, "Ready")?["lastTransitionTime"]?.string.flatMap(RFC3339.parse) else { return false }
        return since.addingTimeInterval(Double(minReadySeconds)) < now
    }

    static func phase(_ pod: JSON) -> String { pod[path: ["status", "phase"]]?.string ?? "" }

    /// Not finished and not being deleted (upstream's `controller.IsPodActive`): the pods that count
    /// toward a ReplicaSet's replicas.
    static func isActive(_ pod: JSON) -> Bool {
        let p = phase(pod)
        return p != "Succeeded" && p != "Failed" && !pod.isBeingDeleted
    }

    static func nodeName(_ pod: JSON) -> String { pod[path: ["spec", "nodeName"]]?.string ?? "" }

    /// The pod's IPs: `status.podIPs`, or `status.podIP` from older writers.
    static func ips(_ pod: JSON) -> [String] {
        let list = (pod[path: ["status", "podIPs"]]?.array ?? []).compactMap { $0["ip"]?.string }.filter { !$0.isEmpty }
        if !list.isEmpty { return list }
        if let ip = pod[path: ["status", "podIP"]]?.string, !ip.isEmpty { return [ip] }
        return []
    }

    static func maxContainerRestarts(_ pod: JSON) -> Int64 {
        (pod[path: ["status", "containerStatuses"]]?.array ?? []).map { $0["restartCount"]?.int ?? 0 }.max() ?? 0
    }

    /// `controller.kubernetes.io/pod-deletion-cost`, 0 when absent or not an int32.
    static func deletionCost(_ pod: JSON) -> Int32 {
        Int32(pod.annotations["controller.kubernetes.io/pod-deletion-cost"] ?? "") ?? 0
    }
}
