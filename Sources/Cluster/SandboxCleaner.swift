import Foundation

/// The first step of a real node's teardown: stop and remove every pod sandbox through CRI while the
/// node's containerd still serves, so containerd itself tears down each pod's CNI network, its
/// `/run/netns/cni-*` namespace, mounts and shim. Implemented over the CRI client; the cluster tool only
/// calls it (before stopping containerd) and sweeps whatever it leaves.
public protocol SandboxCleaner: Sendable {
    func removeAllSandboxes(node: NodeLayout) async throws
}
