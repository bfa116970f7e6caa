/// A pod waiting in the scheduling queue, with its attempt history (upstream `framework.QueuedPodInfo`).
public struct QueuedPodInfo: Sendable {
    public var pod: PodView
    /// When it last entered the queue or last failed: FIFO order among equal priorities, and the start of
    /// its backoff.
    public var timestamp: ContinuousClock.Instant
    /// Scheduling attempts so far (incremented by `pop`).
    public var attempts: Int
    /// When it was first popped (for latency metrics).
    public var initialAttemptTimestamp: ContinuousClock.Instant?
    /// Plugins that rejected it last time: only events they registered move it back.
    public var unschedulablePlugins: Set<String>
    /// Held back by `spec.schedulingGates` (upstream's SchedulingGates PreEnqueue plugin).
    public var gated: Bool

    /// Ties FIFO order for pods added at the same instant.
    var sequence: UInt64 = 0
    var backoffExpiry: ContinuousClock.Instant

    init(pod: PodView, timestamp: ContinuousClock.Instant, sequence: UInt64) {
        self.pod = pod
        self.timestamp = timestamp
        attempts = 0
        initialAttemptTimestamp = nil
        unschedulablePlugins = []
        gated = pod.isGated
        self.sequence = sequence
        backoffExpiry = timestamp
    }

    public var uid: String { pod.uid }
}
