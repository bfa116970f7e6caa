import CRI
import Foundation

/// Exec, attach and port-forward through containerd's streaming server: CRI answers each request with a
/// one-time URL on that server, which listens on loopback inside the node's network namespace.
extension ContainerdRuntime: StreamingRuntime {
    public var streamingNetworkNamespace: String? { probes.prober.networkNamespace }

    public func execURL(podUID: String, container: String, command: [String], tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        var req = Runtime_V1_ExecRequest()
        req.containerID = try await runningContainer(podUID: podUID, name: container)
        req.cmd = command
        req.tty = tty
        req.stdin = stdin
        req.stdout = stdout
        req.stderr = stderr && !tty
        return try url(try await cri.exec(req).url)
    }

    public func attachURL(podUID: String, container: String, tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        var req = Runtime_V1_AttachRequest()
        req.containerID = try await runningContainer(podUID: podUID, name: container)
        req.tty = tty
        req.stdin = stdin
        req.stdout = stdout
        req.stderr = stderr && !tty
        return try url(try await cri.attach(req).url)
    }

    public func portForwardURL(podUID: String) async throws -> URL {
        var req = Runtime_V1_PortForwardRequest()
        req.podSandboxID = try await readySandbox(podUID: podUID)
        return try url(try await cri.portForward(req).url)
    }

    func url(_ text: String) throws -> URL {
        guard let u = URL(string: text) else { throw StreamingError("the runtime answered with an invalid URL: \(text)", code: 500) }
        return u
    }

    func readySandbox(podUID: String) async throws -> String {
        let sandboxes = try await cri.listPodSandboxes(labels: [CRILabels.podUID: podUID])
        guard let ready = sandboxes.filter({ $0.state == .sandboxReady }).max(by: { $0.createdAt < $1.createdAt }) else {
            throw StreamingError("pod \(podUID) has no running sandbox on this node")
        }
        return ready.id
    }

    /// The running container of that name in the pod's sandbox, with upstream's message when there is none.
    func runningContainer(podUID: String, name: String) async throws -> String {
        let sandbox = try await readySandbox(podUID: podUID)
        let containers = try await cri.listContainers(podSandboxID: sandbox).filter { $0.metadata.name == name }
        guard let latest = containers.max(by: { $0.metadata.attempt < $1.metadata.attempt }), latest.state == .containerRunning else {
            throw StreamingError("container \(name) is not running (state: \(containers.isEmpty ? "not created" : "exited"))")
        }
        return latest.id
    }
}
