import APIMachinery
import Client
import Foundation

/// Placement of daemon pods (upstream's `manage`, `podsShouldBeOnNode` and `syncNodes`).
extension DaemonSetController {
    /// The DaemonSet's pods (claimed: adopting orphans that match, releasing owned ones that stop
    /// matching) by the node each is for; terminal pods being deleted are left out.
    func nodesToDaemonPods(_ ds: JSON, selector: LabelSelector) async throws -> [String: [JSON]] {
        let inNamespace = (try? pods.store.byIndex(Indexer.namespaceIndex, ds.namespace)) ?? []
        let claimed = try await ControllerRefManager(
            client: client, resource: .pods, owner: ds, ownerKind: Self.kind, ownerAPIVersion: Self.apiVersion,
            matches: { selector.matches($0.labels) }, logger: logger
        ).claim(inNamespace)
        var out: [String: [JSON]] = [:]
        for pod in claimed {
            let phase = PodState.phase(pod)
            if (phase == "Failed" || phase == "Succeeded") && pod.isBeingDeleted { continue }
            guard let node = DaemonPodPlacement.targetNode(pod) else {
                logger.info("daemonset \(ds.key): no target node for pod \(pod.name)")
                continue
            }
            out[node, default: []].append(pod)
        }
        return out
    }

    func manage(_ ds: JSON, nodes: [JSON], hash: String, selector: LabelSelector) async throws {
        let byNode = try await nodesToDaemonPods(ds, selector: selector)
        var needing: [String] = []
        var toDelete: [String] = []
        for node in nodes {
            let (n, d) = podsShouldBeOnNode(node, byNode, ds, hash: hash)
            needing += n
            toDelete += d
        }
        // Unscheduled pods for nodes that are gone would never be scheduled nor collected.
        let names = Set(nodes.map(\.name))
        for (node, pods) in byNode where !names.contains(node) {
            toDelete += pods.filter { PodState.nodeName($0).isEmpty }.map(\.name)
        }
        try await syncNodes(ds, delete: toDelete, create: needing, hash: hash)
    }

    /// (nodes needing a pod, pods to delete) for one node.
    func podsShouldBeOnNode(_ node: JSON, _ byNode: [String: [JSON]], _ ds: JSON, hash: String) -> ([String], [String]) {
        let (shouldRun, keep) = DaemonPodPlacement.shouldRun(ds, on: node)
        let daemonPods = byNode[node.name]
        var needing: [String] = []
        var toDelete: [String] = []
        if shouldRun && daemonPods == nil {
            needing.append(node.name)
        } else if keep {
            var running: [JSON] = []
            for pod in daemonPods ?? [] where !pod.isBeingDeleted {
                switch PodState.phase(pod) {
                case "Failed":
                    // A kubelet rejecting the pod must not make us recreate it in a hot loop.
                    let backoffKey = "\(ds.uid)/\(node.name)"
                    if failedPodsBackoff.isInBackoff(backoffKey) {
                        queue.addAfter(ds.key, failedPodsBackoff.delay(backoffKey))
                        continue
                    }
                    failedPodsBackoff.next(backoffKey)
                    event(ds, .warning, "FailedDaemonPod", "Found failed daemon pod \(pod.namespace)/\(pod.name) on node \(node.name), will try to kill it")
                    toDelete.append(pod.name)
                case "Succeeded":
                    toDelete.append(pod.name)
                default:
                    running.append(pod)
                }
            }
            running.sort(by: Self.byCreationAndPhase)
            if !Self.allowsSurge(ds) {
                if running.count > 1 { toDelete += running.dropFirst().map(\.name) }
            } else if running.count <= 1 {
                if running.isEmpty && shouldRun { needing.append(node.name) }
            } else {
                // Surging: keep the oldest new pod, and the oldest old one only while the new one is not
                // yet available and the old one still ready.
                var oldestNew: JSON?, oldestOld: JSON?
                for pod in running {
                    if pod.labels[Self.revisionLabel] == hash {
                        if oldestNew == nil { oldestNew = pod; continue }
                    } else if oldestOld == nil {
                        oldestOld = pod
                        continue
                    }
                    toDelete.append(pod.name)
                }
                if let oldestNew, let oldestOld {
                    let minReady = ds.integer(at: ["spec", "minReadySeconds"])
                    if !PodState.isReady(oldestOld) || PodState.isAvailable(oldestNew, minReadySeconds: minReady, now: Date()) {
                        toDelete.append(oldestOld.name)
                    }
                }
            }
        } else if let daemonPods {
            toDelete += daemonPods.filter { !$0.isBeingDeleted }.map(\.name)
        }
        return (needing, toDelete)
    }

    static func allowsSurge(_ ds: JSON) -> Bool {
        guard strategyType(ds) == "RollingUpdate" else { return false }
        let surge = ds[path: ["spec", "updateStrategy", "rollingUpdate", "maxSurge"]]
        return ((try? DeploymentUtil.scaledValue(surge, total: 1, roundUp: true)) ?? 0) != 0
    }

    /// The pod template every new daemon pod starts from (upstream's `CreatePodTemplate`): the default
    /// tolerations, the template generation and revision hash labels.
    static func podTemplate(_ ds: JSON, hash: String) -> JSON {
        var template = ds[path: ["spec", "template"]] ?? [:]
        var spec = template["spec"] ?? [:]
        DaemonPodPlacement.addDefaultTolerations(&spec)
        template["spec"] = spec
        if let g = templateGeneration(ds) { template[path: ["metadata", "labels", templateGenerationLabel]] = .string(g) }
        if !hash.isEmpty { template[path: ["metadata", "labels", revisionLabel]] = .string(hash) }
        return template
    }

    /// Creates a pod pinned to each of `create` (in slow-start batches) and deletes the pods named in
    /// `delete`, at most `burstReplicas` of each, recording the expectations first.
    func syncNodes(_ ds: JSON, delete: [String], create: [String], hash: String) async throws {
        let key = ds.key
        let creates = Array(create.prefix(Self.burstReplicas))
        let deletes = Array(delete.prefix(Self.burstReplicas))
        expectations.expect(key, creations: creates.count, deletions: deletes.map { ObjectKey.make(namespace: ds.namespace, name: $0) })
        var firstError: Error?
        if !creates.isEmpty {
            logger.debug("daemonset \(key): creating pods on \(creates.count) nodes")
            var owner = ds
            owner[path: ["spec", "template"]] = Self.podTemplate(ds, hash: hash)
            let template = try PodTemplate.pod(from: owner, kind: Self.kind, apiVersion: Self.apiVersion)
            var pos = 0
            var batch = min(creates.count, 1)
            while pos < creates.count {
                let nodesInBatch = Array(creates[pos..<(pos + batch)])
                let errors = await withTaskGroup(of: Error?.self) { group -> [Error] in
                    for node in nodesInBatch {
                        group.addTask { [self] in
                            var pod = template
                            var spec = pod["spec"] ?? [:]
                            DaemonPodPlacement.pin(&spec, to: node)
                            pod["spec"] = spec
                            do {
                                let created = try await client.create(.pods.inNamespace(ds.namespace), pod)
                                event(ds, .normal, "SuccessfulCreate", "Created pod: \(created.name)")
                                return nil
                            } catch {
                                expectations.creationObserved(key)
                                if let e = error as? APIError, Self.isNamespaceTerminating(e) { return nil }
                                event(ds, .warning, "FailedCreate", "Error creating: \(error)")
                                return error
                            }
                        }
                    }
                    var out: [Error] = []
                    for await e in group { if let e { out.append(e) } }
                    return out
                }
                pos += batch
                if let e = errors.first {
                    firstError = e
                    // Creations never attempted will never be observed.
                    for _ in pos..<creates.count { expectations.creationObserved(key) }
                    break
                }
                batch = min(2 * batch, creates.count - pos)
            }
        }
        if !deletes.isEmpty {
            let errors = await withTaskGroup(of: Error?.self) { group -> [Error] in
                for name in deletes {
                    group.addTask { [self] in
                        do {
                            try await client.delete(.pods.inNamespace(ds.namespace), name)
                            event(ds, .normal, "SuccessfulDelete", "Deleted pod: \(name)")
                            return nil
                        } catch {
                            expectations.deletionObserved(key, podKey: ObjectKey.make(namespace: ds.namespace, name: name))
                            if let e = error as? APIError, e.code == 404 { return nil }
                            event(ds, .warning, "FailedDelete", "Error deleting: \(error)")
                            return error
                        }
                    }
                }
                var out: [Error] = []
                for await e in group { if let e { out.append(e) } }
                return out
            }
            if firstError == nil { firstError = errors.first }
        }
        if let firstError { throw firstError }
    }

    static func isNamespaceTerminating(_ e: APIError) -> Bool {
        (e.details?["causes"]?.array ?? []).contains { $0["reason"]?.string == "NamespaceTerminating" }
    }
}
