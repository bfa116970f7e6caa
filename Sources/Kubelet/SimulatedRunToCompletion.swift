import APIMachinery
import Foundation

/// How long a pod "runs" on a simulated node before its containers exit, and with what code — read from
/// the pod's annotations, as kwok's stages read theirs, so that Jobs finish on simulated nodes:
///
/// - `simulated.skiff.dev/run-duration`: a Go duration (`0s`, `500ms`, `2s`); the containers exit that
///   long after the pod first synced;
/// - `simulated.skiff.dev/exit-code`: their exit code (default 0).
///
/// Only pods that run to completion (`restartPolicy` Never or OnFailure) take them; a pod without the
/// duration runs until deleted, as before. With OnFailure a non-zero exit restarts the containers, as a
/// real kubelet does (without its back-off).
public struct SimulatedRunToCompletion: Sendable, Equatable {
    public static let durationAnnotation = "simulated.skiff.dev/run-duration"
    public static let exitCodeAnnotation = "simulated.skiff.dev/exit-code"

    public var runFor: Duration
    public var exitCode: Int32
    public var restartOnFailure: Bool

    /// The plan the pod's annotations ask for; nil for pods that keep running.
    public init?(pod: JSON) {
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.string ?? "Always"
        guard restartPolicy != "Always",
              let text = pod[path: ["metadata", "annotations", Self.durationAnnotation]]?.string,
              let runFor = GoDuration.parse(text), runFor >= .zero else { return nil }
        self.runFor = runFor
        exitCode = pod[path: ["metadata", "annotations", Self.exitCodeAnnotation]]?.string.flatMap { Int32($0) } ?? 0
        restartOnFailure = restartPolicy == "OnFailure"
    }

    /// The containers as they are once the run is over: terminated with the planned code, or (OnFailure,
    /// non-zero) running again with one more restart and the exit as their last state.
    func finished(_ containers: [ContainerState], now: String) -> [ContainerState] {
        containers.map { c in
            var c = c
            var started = now
            if case .running(let at) = c.phase { started = at }
            let end = ContainerState.Phase.terminated(exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error",
                                                      startedAt: started, finishedAt: now)
            if exitCode != 0 && restartOnFailure {
                c.lastTermination = end
                c.restartCount += 1
                c.phase = .running(startedAt: now)
            } else {
                c.phase = end
                c.ready = false
            }
            return c
        }
    }

    /// Whether the pod stays on the clock after this run (an OnFailure restart).
    var runsAgain: Bool { exitCode != 0 && restartOnFailure }
}
