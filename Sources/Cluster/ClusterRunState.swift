/// Whether a cluster's processes run, as `skiff get clusters -o wide` shows it: Running with its
/// supervisor, Stopped with no process at all (after `skiff stop cluster` or a reboot), and Degraded when
/// the supervisor is gone but components it started still run (it was killed) — `skiff stop cluster`
/// stops those, `skiff start cluster` stops them and starts everything again.
public struct ClusterRunState: Sendable, Equatable, CustomStringConvertible {
    public var supervisorRunning: Bool
    public var runningComponents: Int

    public init(supervisorRunning: Bool, runningComponents: Int) {
        self.supervisorRunning = supervisorRunning
        self.runningComponents = runningComponents
    }

    public var isStopped: Bool { !supervisorRunning && runningComponents == 0 }

    public var description: String {
        if supervisorRunning { return "Running" }
        return runningComponents == 0 ? "Stopped" : "Degraded"
    }
}
