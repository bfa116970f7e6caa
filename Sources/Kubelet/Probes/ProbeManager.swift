import APIMachinery
import CRI
import Foundation
import Logging
import Synchronization

/// Upstream's prober for one node: startup, liveness and readiness probes (exec, httpGet, tcpSocket) of
/// every running container, with their periods, initial delays, timeouts and thresholds.
///
/// The kubelet syncs each running pod about once a second; `check` runs the probes that are due and
/// answers from the counters otherwise, so a probe's period is honoured whatever the sync rate.
public final class ProbeManager: Sendable {
    struct Counters {
        var lastRun: [String: ContinuousClock.Instant] = [:]
        var successes: [String: Int] = [:]
        var failures: [String: Int] = [:]
        var ready = false
        var started = false
    }

    public struct Verdict: Sendable, Equatable {
        public var ready: Bool
        public var restart: Bool
    }

    let cri: CRIClient
    let prober: NetworkProber
    let logger: Logger
    private let state = Mutex<[String: Counters]>([:])

    init(cri: CRIClient, networkNamespace: String?, logger: Logger) {
        self.cri = cri
        self.prober = NetworkProber(networkNamespace: networkNamespace)
        self.logger = logger
    }

    /// Forgets a container's counters (it was restarted or removed).
    func forget(containerID: String) {
        _ = state.withLock { $0.removeValue(forKey: containerID) }
    }

    /// Runs the due probes of a running container and says whether it is ready and whether it must be
    /// restarted (its liveness or startup probe failed `failureThreshold` times in a row).
    func check(pod: JSON, container: JSON, containerID: String, podIP: String, startedAt: ContainerState.Phase) async -> Verdict {
        let startup = container["startupProbe"]
        let liveness = container["livenessProbe"]
        let readiness = container["readinessProbe"]
        if startup == nil && liveness == nil && readiness == nil { return Verdict(ready: true, restart: false) }
        var started = state.withLock { $0[containerID]?.started ?? false } || startup == nil
        var startedTime = ContinuousClock.now
        if case .running(let at) = startedAt, let date = RFC3339.parse(at) {
            startedTime = .now - .seconds(max(0, Date().timeIntervalSince(date)))
        }
        if !started, let startup {
            switch await run("startup", startup, containerID: containerID, podIP: podIP, since: startedTime) {
            case .success: started = true; state.withLock { $0[containerID, default: Counters()].started = true }
            case .failure: return Verdict(ready: false, restart: true)
            case .pending: return Verdict(ready: false, restart: false)
            }
        }
        if started, let liveness, await run("liveness", liveness, containerID: containerID, podIP: podIP, since: startedTime) == .failure {
            return Verdict(ready: false, restart: true)
        }
        guard let readiness else { return Verdict(ready: started, restart: false) }
        guard started else { return Verdict(ready: false, restart: false) }
        switch await run("readiness", readiness, containerID: containerID, podIP: podIP, since: startedTime) {
        case .success: state.withLock { $0[containerID, default: Counters()].ready = true }
        case .failure: state.withLock { $0[containerID, default: Counters()].ready = false }
        case .pending: break
        }
        return Verdict(ready: state.withLock { $0[containerID]?.ready ?? false }, restart: false)
    }

    enum Outcome: Equatable { case success, failure, pending }

    /// One probe kind: runs it when due and turns the streak into success (≥ successThreshold),
    /// failure (≥ failureThreshold) or pending (no verdict yet / not due).
    func run(_ kind: String, _ probe: JSON, containerID: String, podIP: String, since started: ContinuousClock.Instant) async -> Outcome {
        let delay = Duration.seconds(probe["initialDelaySeconds"]?.int ?? 0)
        let period = Duration.seconds(max(1, probe["periodSeconds"]?.int ?? 10))
        let timeout = Duration.seconds(max(1, probe["timeoutSeconds"]?.int ?? 1))
        let successThreshold = Int(probe["successThreshold"]?.int ?? 1)
        let failureThreshold = Int(probe["failureThreshold"]?.int ?? 3)
        let now = ContinuousClock.now
        if now < started + delay { return .pending }
        let due = state.withLock { s -> Bool in
            let last = s[containerID]?.lastRun[kind]
            if let last, now - last < period { return false }
            s[containerID, default: Counters()].lastRun[kind] = now
            return true
        }
        if !due {
            return state.withLock { s in
                let c = s[containerID] ?? Counters()
                if c.failures[kind, default: 0] >= failureThreshold { return .failure }
                if c.successes[kind, default: 0] >= successThreshold { return .success }
                return .pending
            }
        }
        let ok = await execute(probe, containerID: containerID, podIP: podIP, timeout: timeout)
        return state.withLock { s in
            var c = s[containerID] ?? Counters()
            if ok {
                c.successes[kind, default: 0] += 1
                c.failures[kind] = 0
            } else {
                c.failures[kind, default: 0] += 1
                c.successes[kind] = 0
            }
            s[containerID] = c
            if c.failures[kind, default: 0] >= failureThreshold { return .failure }
            if c.successes[kind, default: 0] >= successThreshold { return .success }
            return .pending
        }
    }

    func execute(_ probe: JSON, containerID: String, podIP: String, timeout: Duration) async -> Bool {
        if let command = probe[path: ["exec", "command"]]?.array {
            var req = Runtime_V1_ExecSyncRequest()
            req.containerID = String(containerID.dropFirst("containerd://".count))
            req.cmd = command.compactMap(\.string)
            req.timeout = timeout.components.seconds
            guard let response = try? await cri.execSync(req, timeout: timeout + .seconds(5)) else { return false }
            return response.exitCode == 0
        }
        if let http = probe["httpGet"] {
            let port = Self.port(http["port"])
            let host = http["host"]?.string ?? podIP
            return await prober.httpGet(host: host, port: port, path: http["path"]?.string ?? "/", timeout: timeout)
        }
        if let tcp = probe["tcpSocket"] {
            return await prober.tcpConnect(host: tcp["host"]?.string ?? podIP, port: Self.port(tcp["port"]), timeout: timeout)
        }
        return true
    }

    static func port(_ value: JSON?) -> Int {
        if let n = value?.int { return Int(n) }
        if let s = value?.string, let n = Int(s) { return n }
        return 80
    }
}
