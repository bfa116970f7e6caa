/// How a session treats the windows its peer advertises.
///
/// SPDY/3.1 (§2.6.8) gives every stream and the session a 64 KiB send window that the receiver reopens with
/// WINDOW_UPDATE as it consumes data. moby/spdystream — the SPDY stack of containerd's streaming server and
/// of the kubelet — has never implemented it (moby/spdystream#2): it sends no WINDOW_UPDATE and relies on
/// TCP's backpressure. A sender that waits for updates from such a peer stops for good after 64 KiB
/// (`kubectl exec -i … < big-file` would hang).
public enum SPDYPeerWindowPolicy: Sendable, Equatable {
    /// Never send beyond the peer's windows, as the draft requires.
    case enforce
    /// Track the peer's windows from the start but hold to them only once the peer shows it does flow
    /// control (it sends a WINDOW_UPDATE or an initial-window SETTINGS); until then TCP paces the sender.
    case enforceOnceAnnounced
}

/// The send side: how many bytes may go on each stream and on the session now.
public struct SPDYSendWindows: Sendable {
    /// The draft's initial window, for streams and for the session.
    public static let defaultWindow = 64 * 1024

    public let policy: SPDYPeerWindowPolicy
    public private(set) var session = defaultWindow
    public private(set) var initialStreamWindow = defaultWindow
    /// Whether the peer has shown it does flow control.
    public private(set) var peerAnnounced = false
    private var streams: [UInt32: Int] = [:]

    public init(policy: SPDYPeerWindowPolicy) { self.policy = policy }

    /// Whether the windows currently hold the sender back.
    public var binding: Bool { policy == .enforce || peerAnnounced }

    public func window(of stream: UInt32) -> Int? { streams[stream] }

    public mutating func open(_ stream: UInt32) { streams[stream] = initialStreamWindow }
    public mutating func close(_ stream: UInt32) { streams[stream] = nil }

    /// How many of `wanted` bytes may be sent on `stream` now (0: wait for a WINDOW_UPDATE).
    public func allowance(stream: UInt32, wanted: Int) -> Int {
        guard binding else { return wanted }
        return max(0, min(wanted, session, streams[stream] ?? 0))
    }

    /// Records `count` bytes sent on `stream` (windows may go negative while they are not binding).
    public mutating func spend(stream: UInt32, count: Int) {
        session -= count
        if let w = streams[stream] { streams[stream] = w - count }
    }

    /// A WINDOW_UPDATE from the peer (stream 0: the session's window).
    public mutating func windowUpdate(stream: UInt32, delta: UInt32) {
        peerAnnounced = true
        if stream == 0 {
            session += Int(delta)
        } else if let w = streams[stream] {
            streams[stream] = w + Int(delta)
        }
    }

    /// SETTINGS_INITIAL_WINDOW_SIZE: every open stream's window moves by the difference (§2.6.4).
    public mutating func initialWindowSize(_ value: UInt32) {
        peerAnnounced = true
        let delta = Int(value) - initialStreamWindow
        initialStreamWindow = Int(value)
        for (id, w) in streams { streams[id] = w + delta }
    }
}

/// The receive side: which WINDOW_UPDATEs to send as the application consumes what the peer sent.
///
/// The windows are reopened by what was *consumed* (handed on to the caller's WebSocket), not by what was
/// read off the socket, so a slow consumer holds a conforming peer back. Updates go out once half a window
/// has been consumed, which keeps a sender streaming without an update per frame.
public struct SPDYReceiveWindows: Sendable {
    public let window: Int
    public private(set) var sessionUnacknowledged = 0
    private var streams: [UInt32: Int] = [:]

    public init(window: Int = SPDYSendWindows.defaultWindow) { self.window = window }

    /// Records `count` bytes of `stream` consumed; returns the updates to send (stream 0 for the session).
    /// `streamOpen` false (the peer has finished the stream) leaves only the session's window to reopen.
    public mutating func consumed(stream: UInt32, count: Int, streamOpen: Bool = true) -> [(streamID: UInt32, delta: UInt32)] {
        guard count > 0 else { return [] }
        var updates: [(streamID: UInt32, delta: UInt32)] = []
        if streamOpen {
            let pending = (streams[stream] ?? 0) + count
            if pending >= window / 2 {
                updates.append((stream, UInt32(pending)))
                streams[stream] = 0
            } else {
                streams[stream] = pending
            }
        } else {
            streams[stream] = nil
        }
        sessionUnacknowledged += count
        if sessionUnacknowledged >= window / 2 {
            updates.append((0, UInt32(sessionUnacknowledged)))
            sessionUnacknowledged = 0
        }
        return updates
    }

    public mutating func close(_ stream: UInt32) { streams[stream] = nil }
}
