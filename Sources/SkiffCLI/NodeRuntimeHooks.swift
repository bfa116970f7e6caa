import Cluster

/// Where the cluster tool's teardown meets the CRI client: the `SandboxCleaner` that stops and removes a
/// node's pod sandboxes through CRI before its containerd stops. None yet — the sweep in
/// `NodeTeardown` removes what sandboxes leave until the CRI module provides one.
enum NodeRuntimeHooks {
    static var sandboxCleaner: (any SandboxCleaner)? { nil }
}
