/// Per-call deadlines of a ``CRIClient``.
///
/// They follow the kubelet's own: its CRI client uses one runtime request timeout (2 minutes by
/// default) for every call, extends StopContainer by the grace period and ExecSync by the command's
/// timeout, and gives image pulls their own, longer budget. Skiff keeps upstream's 2 minutes: a shorter
/// deadline only turns a slow call into a failure — a StartContainer cancelled half-way on a loaded
/// machine leaves the container in containerd's StartError (exit 128) instead of running it.
public struct CRITimeouts: Sendable, Hashable {
    /// Deadline of every call that has no more specific one.
    public var `default`: Duration
    /// Deadline of PullImage.
    public var pullImage: Duration
    /// Deadline of the calls that only read (lists, statuses, version) or hand out a streaming URL: a
    /// local containerd answers them in milliseconds. Seen in e2e runs: after a call's HTTP/2 stream went
    /// away mid-call ("Stream unexpectedly closed"; containerd saw that call cancelled), the kubelet's next
    /// call for that pod never reached containerd and would have waited out the 2-minute deadline, holding
    /// the pod's deletion for as long; with a short one the sync fails fast and is retried.
    public var read: Duration

    public init(default: Duration = .seconds(120), pullImage: Duration = .seconds(120), read: Duration = .seconds(15)) {
        self.default = `default`
        self.pullImage = pullImage
        self.read = read
    }

    public static let standard = CRITimeouts()

    /// StopContainer may take its whole grace period (`timeoutSeconds`) before the runtime kills.
    func stopContainer(graceSeconds: Int64) -> Duration {
        self.default + .seconds(max(0, graceSeconds))
    }

    /// ExecSync runs the command for up to `timeoutSeconds`; 0 means "no limit", so no deadline either
    /// (as upstream's kubelet does).
    func execSync(timeoutSeconds: Int64) -> Duration? {
        timeoutSeconds > 0 ? self.default + .seconds(timeoutSeconds) : nil
    }
}
