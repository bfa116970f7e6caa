import APIMachinery
import Foundation

/// A ReplicaSet's status from the pods it owns (upstream's `calculateStatus`).
enum ReplicaSetStatus {
    static func calculate(_ rs: JSON, pods: [JSON], manageError: ReplicaSetController.ManageReplicasError?, now: Date) -> JSON {
        let templateLabels = rs[path: ["spec", "template", "metadata", "labels"]]?.stringMap ?? [:]
        let minReady = rs.integer(at: ["spec", "minReadySeconds"])
        var fullyLabeled = 0, ready = 0, available = 0
        for pod in pods {
            let labels = pod.labels
            if templateLabels.allSatisfy({ labels[$0.key] == $0.value }) { fullyLabeled += 1 }
            if PodState.isReady(pod) {
                ready += 1
                if PodState.isAvailable(pod, minReadySeconds: minReady, now: now) { available += 1 }
            }
        }
        var status: JSON = ["replicas": .int(Int64(pods.count))]
        if fullyLabeled > 0 { status["fullyLabeledReplicas"] = .int(Int64(fullyLabeled)) }
        if ready > 0 { status["readyReplicas"] = .int(Int64(ready)) }
        if available > 0 { status["availableReplicas"] = .int(Int64(available)) }

        var conditions = rs[path: ["status", "conditions"]]?.array ?? []
        let failureIndex = conditions.firstIndex { $0["type"]?.string == "ReplicaFailure" }
        if let manageError {
            if failureIndex == nil {
                conditions.append([
                    "type": "ReplicaFailure", "status": "True", "lastTransitionTime": .string(RFC3339.time(now)),
                    "reason": .string(manageError.reason), "message": .string("\(manageError.underlying)"),
                ])
            }
        } else if let failureIndex {
            conditions.remove(at: failureIndex)
        }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        return status
    }
}
