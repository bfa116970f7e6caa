import Client

/// What the kubelets of one `NodeSimulator` share instead of holding one each: a watch of every pod, kept
/// by node in an index, and one Event writer. A thousand simulated nodes would otherwise hold a thousand
/// watches and a thousand writers, where kwok holds one of each.
public struct KubeletSharedResources: Sendable {
    /// The index of `pods` by `spec.nodeName`, which a kubelet reads its own pods through.
    public static let nodeIndex = "spec.nodeName"

    public let pods: Informer
    public let events: EventBroadcaster

    /// Adds the node index to `pods`.
    public init(pods: Informer, events: EventBroadcaster) throws {
        try pods.addIndexers([Self.nodeIndex: Indexer.fieldIndexFunc(["spec", "nodeName"])])
        self.pods = pods
        self.events = events
    }
}
