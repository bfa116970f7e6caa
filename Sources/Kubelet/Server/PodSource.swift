import APIMachinery

/// The pods the kubelet's endpoints may serve: those bound to this node, from the kubelet's informer.
public protocol PodSource: Sendable {
    func pod(namespace: String, name: String) -> JSON?
    /// Every pod bound to this node (what the stats endpoints measure).
    func allPods() -> [JSON]
}

extension PodSource {
    public func allPods() -> [JSON] { [] }
}

extension Kubelet: PodSource {
    public func pod(namespace: String, name: String) -> JSON? {
        cachedPod("\(namespace)/\(name)")
    }

    public func allPods() -> [JSON] { cachedPods() }
}

/// A pod source set once the kubelet exists (its endpoint starts first, to learn its port).
public final class DeferredPodSource: PodSource {
    public let source = Mutex<(any PodSource)?>(nil)
    public init() {}
    public func pod(namespace: String, name: String) -> JSON? {
        source.withLock { $0 }?.pod(namespace: namespace, name: name)
    }

    public func allPods() -> [JSON] { source.withLock { $0 }?.allPods() ?? [] }
}

import Synchronization
