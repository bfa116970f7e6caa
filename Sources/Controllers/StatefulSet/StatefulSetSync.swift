import APIMachinery
import Client
import Foundation

/// One sync of one StatefulSet (upstream's `defaultStatefulSetControl.UpdateStatefulSet`).
///
/// - Revisions: the set's template as a ControllerRevision; an unchanged template reuses the newest
///   revision, an older one is renumbered (a rollback), a new one is created.
/// - Pods: ordinals `start ..< start+replicas` are replicas, others condemned. Missing replicas are
///   created (at the current revision below the partition, else the update revision); failed or
///   succeeded ones are deleted and recreated under the same name. With `OrderedReady` everything
///   stops at the first pod that is not yet Running, Ready and available, so pods come up one at a
///   time in ordinal order; condemned pods go one at a time from the highest ordinal. `Parallel`
///   does not wait.
/// - Rolling update: the highest ordinal ≥ partition whose revision is not the update revision is
///   deleted (to come back at the update revision), one at a time, waiting for each to be healthy.
/// - Status, then history beyond `revisionHistoryLimit` (not used by any pod) is deleted.
final class StatefulSetSync {
    typealias I = StatefulSetIdentity

    let c: StatefulSetController
    let set: JSON
    let pods: [JSON]
    /// The set's revisions, sorted.
    var revisions: [JSON]
    let now = Date()

    init(controller: StatefulSetController, set: JSON, pods: [JSON], revisions: [JSON]) {
        c = controller
        self.set = set
        self.pods = pods
        self.revisions = ControllerHistory.sorted(revisions)
    }

    var control: StatefulPodControl { c.podControl }
    var minReadySeconds: Int64 { self.set.integer(at: ["spec", "minReadySeconds"]) }

    /// Runs the sync; returns the status it computed (nil when it failed before one).
    func run() async throws -> StatefulSetStatus? {
        let (current, update, collisionCount) = try await revisionsOfSet()
        var status: StatefulSetStatus?
        var syncError: Error?
        do {
            status = try await updatePods(current: current, update: update, collisionCount: collisionCount)
        } catch let e as StatusAndError {
            status = e.status
            syncError = e.error
        } catch {
            syncError = error
        }
        if var s = status {
            do {
                try await writeStatus(&s)
                status = s
            } catch {
                if syncError == nil { syncError = error }
            }
        }
        do {
            try await truncateHistory(current: current, update: update)
        } catch {
            if syncError == nil { syncError = error }
        }
        if let syncError { throw syncError }
        return status
    }

    /// The pods processed so far when a step failed: the status is still written.
    struct StatusAndError: Error {
        var status: StatefulSetStatus
        var error: Error
    }

    // MARK: Revisions

    /// (current revision, update revision, collision count) (upstream's `getStatefulSetRevisions`).
    func revisionsOfSet() async throws -> (JSON, JSON, Int64) {
        var collisionCount = set.integer(at: ["status", "collisionCount"])
        let next = ControllerHistory.nextRevision(revisions)
        // The revision carries the set's annotations (kubectl's change-cause among them).
        let annotations = set.annotations
        var update = ControllerHistory.newRevision(
            parent: set, kind: StatefulSetController.kind, apiVersion: StatefulSetController.apiVersion,
            templateLabels: set[path: ["spec", "template", "metadata", "labels"]]?.stringMap ?? [:],
            data: TemplatePatch.of(set), revision: next, collisionCount: collisionCount, annotations: annotations)
        let equal = ControllerHistory.findEqual(revisions, update)
        if let last = revisions.last, let newestEqual = equal.last, ControllerHistory.equal(last, newestEqual) {
            update = last
        } else if let newestEqual = equal.last {
            update = try await c.history.renumber(newestEqual, to: next)
        } else {
            update = try await c.history.create(parent: set, revision: update, collisionCount: &collisionCount)
        }
        if let i = revisions.firstIndex(where: { $0.name == update.name }) { revisions[i] = update } else { revisions.append(update) }
        let currentName = set[path: ["status", "currentRevision"]]?.string ?? ""
        let current = revisions.first { $0.name == currentName } ?? update
        return (current, update, collisionCount)
    }

    /// Deletes revisions beyond `revisionHistoryLimit`, oldest first, sparing the current and update
    /// revisions and any a pod runs (upstream's `truncateHistory`).
    func truncateHistory(current: JSON, update: JSON) async throws {
        var live: Set<String> = [current.name, update.name]
        for p in pods { live.insert(I.revision(p)) }
        let history = ControllerHistory.sorted(revisions).filter { !live.contains($0.name) }
        let limit = Int(set.integer(at: ["spec", "revisionHistoryLimit"], default: 10))
        guard history.count > limit else { return }
        for r in history.prefix(history.count - limit) { try await c.history.delete(r) }
    }

    // MARK: Pods

    func updatePods(current: JSON, update: JSON, collisionCount: Int64) async throws -> StatefulSetStatus {
        let currentSet = TemplatePatch.apply(current, to: set)
        let updateSet = TemplatePatch.apply(update, to: set)
        var status = StatefulSetStatus()
        status.observedGeneration = set.generation
        status.currentRevision = current.name
        status.updateRevision = update.name
        status.collisionCount = collisionCount
        status.count([pods], minReadySeconds: minReadySeconds, now: now)

        let start = I.startOrdinal(set)
        let count = max(0, I.replicas(set))
        var replicas: [JSON?] = Array(repeating: nil, count: count)
        var condemned: [JSON] = []
        for pod in pods {
            let o = I.ordinal(pod)
            if I.inOrdinalRange(pod, set) {
                replicas[o - start] = pod
            } else if o >= 0 {
                condemned.append(pod)
            }
        }
        func newPod(_ ordinal: Int) throws -> JSON {
            try I.newVersionedPod(currentSet: currentSet, updateSet: updateSet, currentRevision: current.name,
                                  updateRevision: update.name, ordinal: ordinal)
        }
        var all: [JSON] = []
        for i in 0..<count {
            if replicas[i] == nil { replicas[i] = try newPod(start + i) }
            all.append(replicas[i]!)
        }
        condemned.sort { I.ordinal($0) > I.ordinal($1) }

        var firstUnhealthy: JSON?
        for p in all where !I.isHealthy(p) {
            firstUnhealthy = p
            break
        }
        if firstUnhealthy == nil {
            for p in condemned.reversed() where !I.isHealthy(p) {
                firstUnhealthy = p
                break
            }
        }
        if set.isBeingDeleted { return status }

        let monotonic = !I.allowsBurst(set)
        func finish(_ error: Error?) throws -> StatefulSetStatus {
            status.count([all, condemned], minReadySeconds: minReadySeconds, now: now)
            if let error { throw StatusAndError(status: status, error: error) }
            return status
        }

        // Live replicas, in ordinal order.
        for i in 0..<count {
            do {
                let (exit, pod) = try await processReplica(all[i], ordinal: start + i, monotonic: monotonic, newPod: newPod, updateSet: updateSet)
                all[i] = pod
                if exit && monotonic { return try finish(nil) }
            } catch {
                return try finish(error)
            }
        }
        // Claims of condemned pods follow the retention policy (whenScaled).
        for pod in condemned where !control.claimsMatchRetentionPolicy(updateSet, pod) {
            do {
                try await control.updateClaimsForRetentionPolicy(updateSet, pod)
            } catch {
                return try finish(error)
            }
        }
        // Condemned pods, highest ordinal first.
        for pod in condemned {
            do {
                if try await processCondemned(pod, firstUnhealthy: firstUnhealthy, monotonic: monotonic) && monotonic {
                    return try finish(nil)
                }
            } catch {
                return try finish(error)
            }
        }
        status.count([all, condemned], minReadySeconds: minReadySeconds, now: now)

        if set[path: ["spec", "updateStrategy", "type"]]?.string == "OnDelete" { return status }

        // Rolling update: the highest ordinal at or above the partition not at the update revision.
        let partition = Int(set.integer(at: ["spec", "updateStrategy", "rollingUpdate", "partition"]))
        var target = count - 1
        while target >= partition && target >= 0 {
            let pod = all[target]
            if I.revision(pod) != update.name && !I.isTerminating(pod) {
                c.logger.debug("statefulset \(set.key): pod \(pod.name) is terminating for update")
                do {
                    try await control.deletePod(set, pod)
                } catch let e as APIError where e.code == 404 {
                } catch {
                    throw StatusAndError(status: status, error: error)
                }
                status.currentReplicas -= 1
                return status
            }
            if !I.isHealthy(pod) {
                c.logger.debug("statefulset \(set.key): waiting for pod \(pod.name) to update")
                return status
            }
            target -= 1
        }
        return status
    }

    /// Upstream's `processReplica`: (stop here in OrderedReady mode, the pod as it now is).
    func processReplica(_ replica: JSON, ordinal: Int, monotonic: Bool, newPod: (Int) throws -> JSON, updateSet: JSON) async throws -> (Bool, JSON) {
        var pod = replica
        if I.isFailed(pod) || I.isSucceeded(pod) {
            if I.isFailed(pod) {
                control.event(set, .warning, "RecreatingFailedPod", "StatefulSet \(set.namespace)/\(set.name) is recreating failed Pod \(pod.name)")
            } else {
                control.event(set, .normal, "RecreatingTerminatedPod", "StatefulSet \(set.namespace)/\(set.name) is recreating terminated Pod \(pod.name)")
            }
            try await control.deletePod(set, pod)
            pod = try newPod(ordinal)
        }
        if !I.isCreated(pod) {
            if control.podClaimIsStale(set, pod) {
                c.logger.debug("statefulset \(set.key): pod \(pod.name) waits for its stale claims to go")
                return (true, pod)
            }
            try await control.createPod(set, pod)
            if monotonic { return (true, pod) }
            return (false, pod)
        }
        if I.isPending(pod) {
            try await control.createClaims(set, pod)
        }
        if I.isTerminating(pod) && monotonic { return (true, pod) }
        if !I.isRunningAndReady(pod) && monotonic { return (true, pod) }
        if !I.isRunningAndAvailable(pod, minReadySeconds: minReadySeconds, now: now) && monotonic { return (true, pod) }
        if I.identityMatches(set, pod) && I.storageMatches(set, pod) && control.claimsMatchRetentionPolicy(updateSet, pod) {
            return (false, pod)
        }
        try await control.updatePod(updateSet, pod)
        return (false, pod)
    }

    /// Upstream's `processCondemned`: true when the sync should stop here (OrderedReady).
    func processCondemned(_ pod: JSON, firstUnhealthy: JSON?, monotonic: Bool) async throws -> Bool {
        if I.isTerminating(pod) { return monotonic }
        let isFirstUnhealthy = firstUnhealthy?.uid == pod.uid && firstUnhealthy?.name == pod.name
        if !I.isRunningAndReady(pod) && monotonic && !isFirstUnhealthy { return true }
        if !I.isRunningAndAvailable(pod, minReadySeconds: minReadySeconds, now: now) && monotonic && !isFirstUnhealthy { return true }
        c.logger.debug("statefulset \(set.key): pod \(pod.name) is terminating for scale down")
        try await control.deletePod(set, pod)
        return true
    }

    // MARK: Status

    /// Completes a finished rolling update and writes the status when it changed, retrying conflicts
    /// against the live set (upstream's `updateStatefulSetStatus`).
    func writeStatus(_ status: inout StatefulSetStatus) async throws {
        status.completeRollingUpdate(set)
        guard status.differs(from: set) else { return }
        let path = ResourcePath.statefulsets.inNamespace(set.namespace)
        var current = set
        for attempt in 0..<5 {
            current["status"] = status.json(keeping: current["status"])
            do {
                _ = try await c.client.update(path, current, subresource: "status")
                return
            } catch let e as APIError where e.code == 409 && attempt < 4 {
                current = try await c.client.get(path, set.name)
            }
        }
    }
}
