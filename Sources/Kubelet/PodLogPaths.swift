import Foundation

/// Where a pod's container logs live (docs/nodes.md): containerd writes them in the CRI log format at the
/// paths the kubelet names when it creates the sandbox and each container, and the kubelet's log endpoint
/// reads them back. Upstream's `/var/log/pods` layout, rooted in the kubelet's own directory.
public struct PodLogPaths: Sendable, Equatable {
    public var root: URL

    public init(kubeletRoot: URL) {
        root = kubeletRoot.appendingPathComponent("logs", isDirectory: true)
    }

    /// The sandbox's `log_directory`: `<root>/<namespace>_<pod>_<uid>`.
    public func podDirectory(namespace: String, pod: String, uid: String) -> URL {
        root.appendingPathComponent("\(namespace)_\(pod)_\(uid)", isDirectory: true)
    }

    /// A container's `log_path`, relative to the sandbox's log directory: `<container>/<restartCount>.log`.
    public static func relativeContainerLog(container: String, restartCount: Int) -> String {
        "\(container)/\(restartCount).log"
    }

    /// The absolute path of one attempt's log.
    public func containerLog(namespace: String, pod: String, uid: String, container: String, restartCount: Int) -> URL {
        podDirectory(namespace: namespace, pod: pod, uid: uid)
            .appendingPathComponent(Self.relativeContainerLog(container: container, restartCount: restartCount))
    }
}
