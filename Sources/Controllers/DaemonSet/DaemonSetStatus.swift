import APIMachinery
import Client
import Foundation

/// A DaemonSet's status (upstream's `updateDaemonSetStatus` / `storeDaemonSetStatus`), what `kubectl
/// rollout status ds/NAME` reads: per node that should run the pod, whether it has one (the oldest
/// counts), ready, available and updated; pods on nodes that should not run it are misscheduled.
extension DaemonSetController {
    func updateStatus(_ ds: JSON, nodes: [JSON], hash: String, selector: LabelSelector, observedGeneration: Bool) async throws {
        let byNode = try await nodesToDaemonPods(ds, selector: selector)
        let now = Date()
        let minReady = ds.integer(at: ["spec", "minReadySeconds"])
        let generation = Self.templateGeneration(ds)
        var desired: Int64 = 0, current: Int64 = 0, misscheduled: Int64 = 0, ready: Int64 = 0, updated: Int64 = 0, available: Int64 = 0
        for node in nodes {
            let shouldRun = DaemonPodPlacement.shouldRun(ds, on: node).run
            let pods = (byNode[node.name] ?? []).sorted(by: Self.byCreationAndPhase)
            if shouldRun {
                desired += 1
                guard let pod = pods.first else { continue }
                current += 1
                if PodState.isReady(pod) {
                    ready += 1
                    if PodState.isAvailable(pod, minReadySeconds: minReady, now: now) { available += 1 }
                }
                if Self.isPodUpdated(pod, hash: hash, generation: generation) { updated += 1 }
            } else if !pods.isEmpty {
                misscheduled += 1
            }
        }
        let unavailable = desired - available
        func counters(_ s: JSON?) -> [Int64] {
            ["desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady", "updatedNumberScheduled",
             "numberAvailable", "numberUnavailable"].map { s?[$0]?.int ?? 0 }
        }
        let wanted = [desired, current, misscheduled, ready, updated, available, unavailable]
        let unchanged = counters(ds["status"]) == wanted && ds.integer(at: ["status", "observedGeneration"]) >= ds.generation
        if !unchanged {
            let path = ResourcePath.daemonsets.inNamespace(ds.namespace)
            var toUpdate = ds
            for attempt in 0..<2 {
                var s = toUpdate["status"] ?? [:]
                if observedGeneration { s["observedGeneration"] = .int(ds.generation) }
                s["desiredNumberScheduled"] = .int(desired)
                s["currentNumberScheduled"] = .int(current)
                s["numberMisscheduled"] = .int(misscheduled)
                s["numberReady"] = .int(ready)
                s["updatedNumberScheduled"] = updated == 0 ? nil : .int(updated)
                s["numberAvailable"] = available == 0 ? nil : .int(available)
                s["numberUnavailable"] = unavailable == 0 ? nil : .int(unavailable)
                toUpdate["status"] = s
                do {
                    _ = try await client.update(path, toUpdate, subresource: "status")
                    break
                } catch let e as APIError where e.code == 409 && attempt == 0 {
                    toUpdate = try await client.get(path, ds.name)
                }
            }
        }
        // A pod becomes available minReadySeconds after it became ready.
        if minReady > 0 && ready != available { queue.addAfter(ds.key, .seconds(minReady)) }
    }
}
