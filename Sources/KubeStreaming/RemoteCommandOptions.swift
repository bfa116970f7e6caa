/// Which streams an exec or attach session has, from the request's `stdin`, `stdout`, `stderr` and `tty`.
///
/// With a terminal there is no separate stderr (the terminal merges it), so `stderr` is dropped when `tty`
/// is set, as upstream's kubelet does (`remotecommand.NewOptions`) before it asks the runtime: containerd's
/// streaming server waits for exactly the streams of the CRI request, and a client that does not open one
/// of them leaves it waiting until its stream-creation timeout.
public struct RemoteCommandOptions: Sendable, Equatable {
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool
    public var tty: Bool

    public init(stdin: Bool, stdout: Bool, stderr: Bool, tty: Bool) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr && !tty
        self.tty = tty
    }

    public init(query: QueryString) {
        self.init(stdin: query.bool("stdin"), stdout: query.bool("stdout"), stderr: query.bool("stderr"), tty: query.bool("tty"))
    }

    /// The SPDY streams upstream's remote-command client opens, in its order: error first, resize last.
    public var spdyStreamTypes: [String] {
        ["error"] + (stdin ? ["stdin"] : []) + (stdout ? ["stdout"] : []) + (stderr ? ["stderr"] : []) + (tty ? ["resize"] : [])
    }
}
