import APIMachinery
import CRI

/// Runs a container's `lifecycle.postStart` or `lifecycle.preStop` handler as upstream's kubelet does:
/// `exec` in the container, `httpGet` against the pod (from inside the node's network namespace), or
/// `sleep`. The kubelet records only "PostStartHook failed" / "PreStopHook failed" for a failure (upstream
/// keeps the handler's output out of Events, where it could leak secrets); the detail goes to the log.
struct LifecycleHookRunner: Sendable {
    let cri: CRIClient
    let prober: NetworkProber

    /// Runs `handler` within `timeout` (nil: as long as it takes); the failure's detail, or nil on success.
    func run(_ handler: JSON, containerID: String, podIP: String, timeout: Duration?) async -> String? {
        if let command = handler[path: ["exec", "command"]]?.array {
            var req = Runtime_V1_ExecSyncRequest()
            req.containerID = containerID
            req.cmd = command.compactMap(\.string)
            req.timeout = timeout.map { $0.components.seconds } ?? 0
            do {
                let response = try await cri.execSync(req, timeout: timeout.map { $0 + .seconds(5) })
                if response.exitCode == 0 { return nil }
                let output = String(decoding: response.stdout + response.stderr, as: UTF8.self)
                return "command \(req.cmd) exited with \(response.exitCode): \(output)"
            } catch {
                return "command \(req.cmd): \(error.message)"
            }
        }
        if let http = handler["httpGet"] {
            let host = http["host"]?.string ?? podIP
            let result = await prober.httpGet(host: host, port: ProbeManager.port(http["port"]), path: http["path"]?.string ?? "/",
                                              timeout: timeout ?? .seconds(30))
            if case .failure(let message) = result { return message }
            return nil
        }
        if let seconds = handler[path: ["sleep", "seconds"]]?.int {
            let wanted = Duration.seconds(seconds)
            try? await Task.sleep(for: timeout.map { min($0, wanted) } ?? wanted)
            return nil
        }
        return nil
    }
}
