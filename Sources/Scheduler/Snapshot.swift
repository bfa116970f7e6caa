/// Why the cache refused a change.
public enum SnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    case podAlreadyInCache(String)
    case nodeNotFound(String)

    public var description: String {
        switch self {
        case .podAlreadyInCache(let key): return "pod \(key) is in the cache, so can't be assumed"
        case .nodeNotFound(let name): return "node \(name) not found"
        }
    }
}

/// The cluster as the scheduler sees it: every node with the pods assigned to it, including pods the
/// scheduler has *assumed* onto a node but whose binding has not yet come back through the informer.
///
/// It plays upstream's cache and snapshot both. It is a value: `scheduleOne` reads it, and the caller
/// applies informer events (`addNode`, `addPod`, ...) and the assume-then-bind steps (`assume`, `forget`)
/// to its own copy between cycles, so nothing is rebuilt per cycle. `init(nodes:pods:)` builds one from
/// lists (tests, the first sync, the benchmark).
public struct Snapshot: Sendable {
    public private(set) var nodeInfos: [NodeInfo] = []
    private var index: [String: Int] = [:]
    /// uid → node name for every pod held, including those waiting for their node.
    private var podNodes: [String: String] = [:]
    /// Pods bound to a node the cache has not seen (or has seen deleted): kept so counts are right when it
    /// (re)appears, as upstream's cache keeps a node-less `NodeInfo`.
    private var orphans: [String: [PodView]] = [:]
    public private(set) var assumedPods: Set<String> = []

    public init() {}

    /// Builds from lists; pods without a node and terminal pods are skipped (upstream's scheduler watches
    /// pods with `status.phase!=Succeeded,status.phase!=Failed` only).
    public init(nodes: [NodeView], pods: [PodView]) {
        nodeInfos.reserveCapacity(nodes.count)
        for n in nodes { addNode(n) }
        for p in pods { addPod(p) }
    }

    public var numNodes: Int { nodeInfos.count }

    public func nodeInfo(named name: String) -> NodeInfo? {
        index[name].map { nodeInfos[$0] }
    }

    public func index(ofNode name: String) -> Int? { index[name] }

    public func contains(podUID uid: String) -> Bool { podNodes[uid] != nil }
    public func nodeName(ofPod uid: String) -> String? { podNodes[uid] }
    public func isAssumed(_ uid: String) -> Bool { assumedPods.contains(uid) }

    // MARK: Nodes

    public mutating func addNode(_ node: NodeView) {
        if let i = index[node.name] {
            nodeInfos[i].setNode(node)
            return
        }
        var info = NodeInfo(node: node)
        for p in orphans.removeValue(forKey: node.name) ?? [] { info.add(p) }
        index[node.name] = nodeInfos.count
        nodeInfos.append(info)
    }

    public mutating func updateNode(_ node: NodeView) { addNode(node) }

    /// Removes a node; its pods are kept aside until they are deleted or the node returns.
    public mutating func removeNode(named name: String) {
        guard let i = index.removeValue(forKey: name) else { return }
        let removed = nodeInfos[i]
        let last = nodeInfos.count - 1
        if i != last {
            nodeInfos.swapAt(i, last)
            index[nodeInfos[i].name] = i
        }
        nodeInfos.removeLast()
        if !removed.pods.isEmpty { orphans[name, default: []].append(contentsOf: removed.pods) }
    }

    // MARK: Pods (informer events for pods with spec.nodeName set)

    /// An assigned pod arrived: confirms it if assumed (moving it if it was bound elsewhere), else adds or
    /// replaces it. Pods without a node and terminal pods are removed instead.
    public mutating func addPod(_ pod: PodView) {
        guard !pod.nodeName.isEmpty, !pod.isTerminal else {
            removePod(uid: pod.uid)
            return
        }
        assumedPods.remove(pod.uid)
        if podNodes[pod.uid] != nil { detach(uid: pod.uid) }
        attach(pod)
    }

    public mutating func updatePod(_ pod: PodView) { addPod(pod) }

    public mutating func removePod(uid: String) {
        assumedPods.remove(uid)
        detach(uid: uid)
    }

    // MARK: Assume-then-bind

    /// Counts the pod on `nodeName` before its binding is written, so the next cycle sees the node's
    /// resources taken. Fails when the pod is already held or the node is unknown.
    public mutating func assume(_ pod: PodView, on nodeName: String) throws(SnapshotError) {
        guard podNodes[pod.uid] == nil else { throw .podAlreadyInCache(pod.key) }
        guard index[nodeName] != nil else { throw .nodeNotFound(nodeName) }
        var placed = pod
        placed.nodeName = nodeName
        attach(placed)
        assumedPods.insert(pod.uid)
    }

    /// Undoes `assume` (the binding failed). Returns false when the pod is not assumed — e.g. its binding
    /// was already confirmed by the informer, which then owns it.
    @discardableResult
    public mutating func forget(uid: String) -> Bool {
        guard assumedPods.remove(uid) != nil else { return false }
        detach(uid: uid)
        return true
    }

    private mutating func attach(_ pod: PodView) {
        podNodes[pod.uid] = pod.nodeName
        if let i = index[pod.nodeName] {
            nodeInfos[i].add(pod)
        } else {
            orphans[pod.nodeName, default: []].append(pod)
        }
    }

    private mutating func detach(uid: String) {
        guard let nodeName = podNodes.removeValue(forKey: uid) else { return }
        if let i = index[nodeName] {
            nodeInfos[i].remove(uid: uid)
        } else if var list = orphans[nodeName] {
            list.removeAll { $0.uid == uid }
            orphans[nodeName] = list.isEmpty ? nil : list
        }
    }
}
