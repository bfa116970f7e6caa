import CRI
import Cluster
import Foundation

/// Where the cluster tool's teardown meets the CRI client: before a node's containerd stops, every pod
/// sandbox on it is stopped and removed through CRI, so containerd itself tears down the pod network
/// namespaces, CNI reservations, mounts and shims; the sweep in `NodeTeardown` only mops up after crashes.
enum NodeRuntimeHooks {
    static var sandboxCleaner: (any SandboxCleaner)? { CRISandboxCleaner() }
}

/// Stops and removes every sandbox of one node's containerd (their containers go with them).
struct CRISandboxCleaner: SandboxCleaner {
    func removeAllSandboxes(node: NodeLayout) async throws {
        guard FileManager.default.fileExists(atPath: node.containerdSocket) else { return }
        try await withCRIClient(endpoint: node.criEndpoint, timeouts: CRITimeouts(default: .seconds(10))) { cri in
            let sandboxes = try await cri.listPodSandboxes()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sandbox in sandboxes {
                    group.addTask {
                        var stop = Runtime_V1_StopPodSandboxRequest()
                        stop.podSandboxID = sandbox.id
                        _ = try await cri.stopPodSandbox(stop)
                        var remove = Runtime_V1_RemovePodSandboxRequest()
                        remove.podSandboxID = sandbox.id
                        _ = try await cri.removePodSandbox(remove)
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
