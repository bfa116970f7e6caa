import APIMachinery
import Foundation

/// One node a `NodeSimulator` runs: what its kubelet registers and where its endpoint listens.
public struct SimulatedNode: Sendable, Equatable {
    public var name: String
    public var podCIDR: String
    public var labels: [String: String]
    public var taints: [JSON]
    /// The port of its kubelet endpoint; 0 picks a free one.
    public var kubeletPort: Int
    /// The static pods whose mirror pods this node shows (the control plane's node).
    public var staticPods: URL?
    /// Where its pods' volumes and logs go.
    public var rootDir: URL
    /// A paused node runs nothing — no heartbeat, no pod sync, no endpoint — as a frozen machine (what
    /// `docker pause` makes of one of kind's nodes). Its pods stay in the runtime for when it resumes.
    public var paused: Bool

    public init(name: String, podCIDR: String, labels: [String: String] = [:], taints: [JSON] = [], kubeletPort: Int = 0,
                staticPods: URL? = nil, rootDir: URL, paused: Bool = false) {
        self.name = name
        self.podCIDR = podCIDR
        self.labels = labels
        self.taints = taints
        self.kubeletPort = kubeletPort
        self.staticPods = staticPods
        self.rootDir = rootDir
        self.paused = paused
    }

    /// Whether moving from `self` to `other` needs the node's kubelet started again (anything but the pause flag).
    func needsRestart(for other: SimulatedNode) -> Bool {
        var a = self, b = other
        a.paused = false
        b.paused = false
        return a != b
    }
}
