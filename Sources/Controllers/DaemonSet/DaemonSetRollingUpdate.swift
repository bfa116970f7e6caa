import APIMachinery
import Client
import Foundation

/// `RollingUpdate` of a DaemonSet (upstream's `rollingUpdate` in update.go).
///
/// Without surge, old pods are deleted while the unavailable pods stay within maxUnavailable, and the
/// placement loop creates their replacements. With surge, a new pod is created next to an old one on at
/// most maxSurge nodes at a time, and the old pod goes once the new one is available.
extension DaemonSetController {
    func rollingUpdate(_ ds: JSON, nodes: [JSON], hash: String, selector: LabelSelector) async throws {
        var byNode = try await nodesToDaemonPods(ds, selector: selector)
        let (maxSurge, maxUnavailable, desired) = updatedDesiredNodeCounts(ds, nodes: nodes, byNode: &byNode)
        let now = Date()
        let minReady = ds.integer(at: ["spec", "minReadySeconds"])
        let generation = Self.templateGeneration(ds)
        func available(_ p: JSON) -> Bool { PodState.isAvailable(p, minReadySeconds: minReady, now: now) }
        let nodeNames = byNode.keys.sorted()

        if maxSurge == 0 {
            var unavailable = 0
            var replacements: [String] = []
            var candidates: [String] = []
            for node in nodeNames {
                guard let (newPod, oldPod) = Self.updatedPodsOnNode(byNode[node] ?? [], hash: hash, generation: generation) else {
                    // Extra pods: the placement loop prunes them; the node counts as unavailable meanwhile.
                    unavailable += 1
                    continue
                }
                switch (newPod, oldPod) {
                case (nil, nil), (.some, .some):
                    unavailable += 1
                case (.some(let p), nil):
                    if !available(p) { unavailable += 1 }
                case (nil, .some(let old)):
                    if !available(old) {
                        replacements.append(old.name)
                        unavailable += 1
                    } else if unavailable < maxUnavailable {
                        candidates.append(old.name)
                    }
                }
            }
            let remaining = max(0, min(maxUnavailable - unavailable, candidates.count))
            try await syncNodes(ds, delete: replacements + candidates.prefix(remaining), create: [], hash: hash)
            return
        }

        var oldToDelete: [String] = []
        var shouldNotRunToDelete: [String] = []
        var candidateNodes: [String] = []
        var allowedNodes: [String] = []
        var surge = 0
        var numAvailable = 0
        for node in nodeNames {
            guard let (newPod, oldPod) = Self.updatedPodsOnNode(byNode[node] ?? [], hash: hash, generation: generation) else {
                surge += 1
                continue
            }
            if let oldPod {
                if available(oldPod) { numAvailable += 1 }
            } else if let newPod, available(newPod) {
                numAvailable += 1
            }
            guard let oldPod else { continue }
            if let newPod {
                if !available(newPod) {
                    surge += 1
                    continue
                }
                oldToDelete.append(oldPod.name)
                continue
            }
            guard let nodeObject = self.nodes.store.get(node) else {
                throw APIError.internalError("couldn't get node for nodeName \"\(node)\"")
            }
            let shouldRun = DaemonPodPlacement.shouldRun(ds, on: nodeObject).run
            if !available(oldPod) {
                if !shouldRun {
                    oldToDelete.append(oldPod.name)
                    continue
                }
                allowedNodes.append(node)
            } else {
                if !shouldRun {
                    shouldNotRunToDelete.append(oldPod.name)
                    continue
                }
                if surge >= maxSurge { continue }
                candidateNodes.append(node)
            }
        }
        // Pods on nodes that no longer qualify go only once enough pods are available elsewhere.
        let deletable = min(numAvailable - desired, shouldNotRunToDelete.count)
        if deletable > 0 {
            for name in shouldNotRunToDelete.prefix(deletable) {
                guard let p = pods.store.get(namespace: ds.namespace, name: name), !p.isBeingDeleted else { continue }
                oldToDelete.append(name)
            }
        }
        let remaining = max(0, min(maxSurge - surge, candidateNodes.count))
        try await syncNodes(ds, delete: oldToDelete, create: allowedNodes + candidateNodes.prefix(remaining), hash: hash)
    }

    /// (new pod, old pod) among a node's pods not being deleted; nil when there are several of either
    /// (upstream's `findUpdatedPodsOnNode`).
    static func updatedPodsOnNode(_ pods: [JSON], hash: String, generation: String?) -> (JSON?, JSON?)? {
        var newPod: JSON?, oldPod: JSON?
        for pod in pods where !pod.isBeingDeleted {
            if isPodUpdated(pod, hash: hash, generation: generation) {
                if newPod != nil { return nil }
                newPod = pod
            } else {
                if oldPod != nil { return nil }
                oldPod = pod
            }
        }
        return (newPod, oldPod)
    }

    /// (maxSurge, maxUnavailable, desired number of nodes), every desired node entered in `byNode`
    /// (upstream's `updatedDesiredNodeCounts`; both limits zero means one unavailable).
    func updatedDesiredNodeCounts(_ ds: JSON, nodes: [JSON], byNode: inout [String: [JSON]]) -> (Int, Int, Int) {
        var desired = 0
        for node in nodes where DaemonPodPlacement.shouldRun(ds, on: node).run {
            desired += 1
            if byNode[node.name] == nil { byNode[node.name] = [] }
        }
        let ru = ds[path: ["spec", "updateStrategy", "rollingUpdate"]]
        let rolling = Self.strategyType(ds) == "RollingUpdate" && ru != nil
        var maxUnavailable = rolling ? Int((try? DeploymentUtil.scaledValue(ru?["maxUnavailable"], total: Int64(desired), roundUp: true)) ?? 0) : 0
        let maxSurge = rolling ? Int((try? DeploymentUtil.scaledValue(ru?["maxSurge"], total: Int64(desired), roundUp: true)) ?? 0) : 0
        if desired > 0 && maxUnavailable == 0 && maxSurge == 0 { maxUnavailable = 1 }
        return (maxSurge, maxUnavailable, desired)
    }
}
