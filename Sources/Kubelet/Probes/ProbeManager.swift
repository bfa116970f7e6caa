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
        /// The probe ("Liveness", "Startup") whose failures mean the container must be restarted.
        public var restart: String?
        /// Each probe run by this check that failed, with upstream's message (`HTTP probe failed with
        /// statuscode: 404`): the kubelet's Unhealthy events.
        public var failures: [ProbeFailure] = []

        init(ready: Bool, restart: String? = nil, failures: [ProbeFailure] = []) {
            self.ready = ready
            self.restart = restart
            self.failures = failures
        }
    }

    public struct ProbeFailure: Sendable, Equatable {
        /// "Startup", "Liveness" or "Readiness", as upstream's events name them.
        public var probe: String
        public var message: String
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
        if startup == nil && liveness == nil && readiness == nil { return Verdict(ready: true) }
        var failures: [ProbeFailure] = []
        func note(_ probe: String, _ result: (Outcome, String?)) -> Outcome {
            if let message = result.1 { failures.append(ProbeFailure(probe: probe, message: message)) }
            return result.0
        }
        var started = state.withLock { $0[containerID]?.started ?? false } || startup == nil
        var startedTime = ContinuousClock.now
        if case .running(let at) = startedAt, let date = RFC3339.parse(at) {
            startedTime = .now - .seconds(max(0, Date().timeIntervalSince(date)))
        }
        if !started, let startup {
            switch note("Startup", await run("startup", startup, containerID: containerID, podIP: podIP, since: startedTime)) {
            case .success: started = true; state.withLock { $0[containerID, default: Counters()].started = true }
            case .failure: return Verdict(ready: false, restart: "Startup", failures: failures)
            case .pending: return Verdict(ready: false, failures: failures)
            }
        }
        if started, let liveness,
           note("Liveness", await run("liveness", liveness, containerID: containerID, podIP: podIP, since: startedTime)) == .failure {
            return Verdict(ready: false, restart: "Liveness", failures: failures)
        }
        guard let readiness else { return Verdict(ready: started, failures: failures) }
        guard started else { return Verdict(ready: false, failures: failures) }
        switch note("Readiness", await run("readiness", readiness, containerID: containerID, podIP: podIP, since: startedTime)) {
        case .success: state.withLock { $0[containerID, default: Counters()].ready = true }
        case .failure: state.withLock { $0[containerID, default: Counters()].ready = false }
        case .pending: break
        }
        return Verdict(ready: state.withLock { $0[containerID]?.ready ?? false }, failures: failures)
    }

    enum Outcome: Equatable { case success, failure, pending }

    /// One probe kind: runs it when due and turns the streak into success (≥ successThreshold),
    /// failure (≥ failureThreshold) or pending (no verdict yet / not due); with the failure message when
    /// this call ran the probe and it failed.
    func run(_ kind: String, _ probe: JSON, containerID: String, podIP: String, since started: ContinuousClock.Instant) async -> (Outcome, String?) {
        let delay = Duration.seconds(probe["initialDelaySeconds"]?.int ?? 0)
        let period = Duration.seconds(max(1, probe["periodSeconds"]?.int ?? 10))
        let timeout = Duration.seconds(max(1, probe["timeoutSeconds"]?.int ?? 1))
        let successThreshold = Int(probe["successThreshold"]?.int ?? 1)
        let failureThreshold = Int(probe["failureThreshold"]?.int ?? 3)
        let now = ContinuousClock.now
        if now < started + delay { return (.pending, nil) }
        let due = state.withLock { s -> Bool in
            let last = s[containerID]?.lastRun[kind]
            if let last, now - last < period { return false }
            s[containerID, default: Counters()].lastRun[kind] = now
            return true
        }
        if !due {
            return (state.withLock { s -> Outcome in
                let c = s[containerID] ?? Counters()
                if c.failures[kind, default: 0] >= failureThreshold { return .failure }
                if c.successes[kind, default: 0] >= successThreshold { return .success }
                return .pending
            }, nil)
        }
        let result = await execute(probe, containerID: containerID, podIP: podIP, timeout: timeout)
        let ok = result == .success
        let outcome = state.withLock { s -> Outcome in
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
        if case .failure(let message) = result { return (outcome, message) }
        return (outcome, nil)
    }

    func execute(_ probe: JSON, containerID: String, podIP: String, timeout: Duration) async -> ProbeResult {
        if let command = probe[path: ["exec", "command"]]?.array {
            var req = Runtime_V1_ExecSyncRequest()
            req.containerID = String(containerID.dropFirst("containerd://".count))
            req.cmd = command.compactMap(\.string)
            req.timeout = timeout.components.seconds
            let response: Runtime_V1_ExecSyncResponse
            do {
                response = try await cri.execSync(req, timeout: timeout + .seconds(5))
            } catch {
                return .failure(error.message)
            }
            // Upstream's exec prober reports what the command printed, stdout then stderr.
            if response.exitCode == 0 { return .success }
            return .failure(String(decoding: response.stdout + response.stderr, as: UTF8.self))
        }
        if let http = probe["httpGet"] {
            let port = Self.port(http["port"])
            let host = http["host"]?.string ?? podIP
            return await prober.httpGet(host: host, port: port, path: http["path"]?.string ?? "/", timeout: timeout)
        }
        if let tcp = probe["tcpSocket"] {
            return await prober.tcpConnect(host: tcp["host"]?.string ?? podIP, port: Self.port(tcp["port"]), timeout: timeout)
        }
        return .success
    }

    static func port(_ value: JSON?) -> Int {
        if let n = value?.int { return Int(n) }
        if let s = value?.string, let n = Int(s) { return n }
        return 80
    }
}
