import APIMachinery
import Foundation

/// A StatefulSet's status counters (upstream's `computeReplicaStatus` / `updateStatus` and the
/// `StatefulSetStatus` fields `kubectl rollout status` reads).
struct StatefulSetStatus: Equatable {
    var observedGeneration: Int64 = 0
    var replicas: Int64 = 0
    var readyReplicas: Int64 = 0
    var currentReplicas: Int64 = 0
    var updatedReplicas: Int64 = 0
    var availableReplicas: Int64 = 0
    var currentRevision = ""
    var updateRevision = ""
    var collisionCount: Int64 = 0

    init() {}

    init(_ status: JSON?) {
        observedGeneration = status?["observedGeneration"]?.int ?? 0
        replicas = status?["replicas"]?.int ?? 0
        readyReplicas = status?["readyReplicas"]?.int ?? 0
        currentReplicas = status?["currentReplicas"]?.int ?? 0
        updatedReplicas = status?["updatedReplicas"]?.int ?? 0
        availableReplicas = status?["availableReplicas"]?.int ?? 0
        currentRevision = status?["currentRevision"]?.string ?? ""
        updateRevision = status?["updateRevision"]?.string ?? ""
        collisionCount = status?["collisionCount"]?.int ?? 0
    }

    /// Counts the pods of `lists` (created pods; ready; available; not terminating at either revision).
    mutating func count(_ lists: [[JSON]], minReadySeconds: Int64, now: Date) {
        replicas = 0; readyReplicas = 0; availableReplicas = 0; currentReplicas = 0; updatedReplicas = 0
        for pod in lists.joined() {
            let created = StatefulSetIdentity.isCreated(pod)
            if created { replicas += 1 }
            if StatefulSetIdentity.isRunningAndReady(pod) {
                readyReplicas += 1
                if StatefulSetIdentity.isRunningAndAvailable(pod, minReadySeconds: minReadySeconds, now: now) { availableReplicas += 1 }
            }
            if created && !StatefulSetIdentity.isTerminating(pod) {
                let r = StatefulSetIdentity.revision(pod)
                if r == currentRevision { currentReplicas += 1 }
                if r == updateRevision { updatedReplicas += 1 }
            }
        }
    }

    /// A finished rolling update makes the update revision current (upstream's `completeRollingUpdate`).
    mutating func completeRollingUpdate(_ set: JSON) {
        let type = set[path: ["spec", "updateStrategy", "type"]]?.string ?? "RollingUpdate"
        if type == "RollingUpdate" && updatedReplicas == replicas && readyReplicas == replicas {
            currentReplicas = updatedReplicas
            currentRevision = updateRevision
        }
    }

    /// Differs from what the set shows in a field the controller owns (upstream's `inconsistentStatus`).
    func differs(from set: JSON) -> Bool {
        let old = StatefulSetStatus(set["status"])
        return observedGeneration > old.observedGeneration || replicas != old.replicas || currentReplicas != old.currentReplicas
            || readyReplicas != old.readyReplicas || updatedReplicas != old.updatedReplicas
            || currentRevision != old.currentRevision || availableReplicas != old.availableReplicas
            || updateRevision != old.updateRevision
    }

    /// The status object, keeping `conditions` (Go's omitempty on all but replicas and availableReplicas).
    func json(keeping old: JSON?) -> JSON {
        var s: JSON = ["replicas": .int(replicas), "availableReplicas": .int(availableReplicas), "collisionCount": .int(collisionCount)]
        if observedGeneration != 0 { s["observedGeneration"] = .int(observedGeneration) }
        if readyReplicas != 0 { s["readyReplicas"] = .int(readyReplicas) }
        if currentReplicas != 0 { s["currentReplicas"] = .int(currentReplicas) }
        if updatedReplicas != 0 { s["updatedReplicas"] = .int(updatedReplicas) }
        if !currentRevision.isEmpty { s["currentRevision"] = .string(currentRevision) }
        if !updateRevision.isEmpty { s["updateRevision"] = .string(updateRevision) }
        if let c = old?["conditions"], !(c.array ?? []).isEmpty { s["conditions"] = c }
        return s
    }
}
