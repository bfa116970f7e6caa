import Synchronization

/// Upstream's `--max-requests-inflight` and `--max-mutating-requests-inflight`: how many read-only and
/// mutating requests outside the exempt lane may be served at once. 0 lifts a limit.
public struct InflightLimits: Sendable, Equatable {
    public var readOnly: Int
    public var mutating: Int

    /// Upstream's defaults.
    public init(readOnly: Int = 400, mutating: Int = 200) {
        self.readOnly = readOnly
        self.mutating = mutating
    }
}

/// Counts the requests in flight per budget and turns away those past it at once, as upstream's
/// max-in-flight filter does: a client that is told 429 and `Retry-After: 1` backs off, where one left
/// waiting in a queue would keep its connection and the server's memory busy and time out anyway.
final class InflightLimiter: Sendable {
    let limits: InflightLimits
    private let counts = Mutex<(readOnly: Int, mutating: Int)>((0, 0))

    init(limits: InflightLimits) {
        self.limits = limits
    }

    /// Takes a slot of `lane`'s budget; false when it is full. The exempt and long-running lanes always get in.
    func admit(_ lane: RequestLane) -> Bool {
        counts.withLock { c in
            switch lane {
            case .exempt, .longRunning:
                return true
            case .readOnly:
                guard limits.readOnly == 0 || c.readOnly < limits.readOnly else { return false }
                c.readOnly += 1
            case .mutating:
                guard limits.mutating == 0 || c.mutating < limits.mutating else { return false }
                c.mutating += 1
            }
            return true
        }
    }

    /// Gives back the slot `admit` took.
    func release(_ lane: RequestLane) {
        counts.withLock { c in
            switch lane {
            case .exempt, .longRunning: break
            case .readOnly: c.readOnly -= 1
            case .mutating: c.mutating -= 1
            }
        }
    }

    /// The requests in flight now, per budget (`apiserver_current_inflight_requests`).
    var inFlight: (readOnly: Int, mutating: Int) { counts.withLock { $0 } }
}
