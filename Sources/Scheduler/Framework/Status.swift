/// A plugin's verdict (upstream `framework.Status`).
public struct Status: Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        case success
        /// An internal failure: the cycle aborts and the pod is retried after backoff.
        case error
        /// The node does not fit, but preemption might make it fit.
        case unschedulable
        /// The node does not fit and preemption cannot help.
        case unschedulableAndUnresolvable
        /// The plugin has nothing to do for this pod: its later extension points are skipped this cycle.
        case skip
    }

    public var code: Code
    public var reasons: [String]
    /// The plugin that produced it (set by the framework).
    public var plugin: String

    public init(_ code: Code, _ reasons: [String] = [], plugin: String = "") {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    public init(_ code: Code, _ reason: String, plugin: String = "") {
        self.init(code, [reason], plugin: plugin)
    }

    // Computed rather than stored: no lazy-global check on the per-node hot path.
    public static var success: Status { Status(.success) }
    public static var skip: Status { Status(.skip) }

    public var isSuccess: Bool { code == .success }
    public var isRejected: Bool { code == .unschedulable || code == .unschedulableAndUnresolvable }
    /// Reasons joined as upstream's `Status.Message()`.
    public var message: String { reasons.joined(separator: ", ") }

    func withPlugin(_ name: String) -> Status {
        var s = self
        s.plugin = name
        return s
    }
}
