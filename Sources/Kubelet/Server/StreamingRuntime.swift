import Foundation

/// What the kubelet's streaming endpoints need from the container runtime: where its streaming server
/// serves one exec, attach or port-forward session (CRI `Exec`, `Attach` and `PortForward` answer with
/// such a URL, e.g. `http://127.0.0.1:PORT/exec/TOKEN` on containerd's streaming server), and in which
/// network namespace that address is reachable.
///
/// The containerd runtime implements it with CRI calls; tests use a fake server on loopback.
public protocol StreamingRuntime: Sendable {
    /// The network namespace (a path like `/run/netns/skiff-N`) whose loopback the streaming server listens
    /// on; nil when it listens in the kubelet's own namespace.
    var streamingNetworkNamespace: String? { get }

    /// CRI `Exec` for a running container of the pod.
    func execURL(podUID: String, container: String, command: [String], tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL
    /// CRI `Attach` to a running container of the pod.
    func attachURL(podUID: String, container: String, tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL
    /// CRI `PortForward` into the pod's sandbox.
    func portForwardURL(podUID: String) async throws -> URL
}

/// A streaming request the runtime cannot serve, with the message kubectl shows.
public struct StreamingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var code: Int
    public init(_ message: String, code: Int = 400) {
        self.message = message
        self.code = code
    }
    public var description: String { message }
}
