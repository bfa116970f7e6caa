import NIOCore
import Synchronization

/// One SPDY/3.1 session over a connection whose pipeline speaks `SPDYFrame`s (see `SPDYConnection`).
///
/// Streams are opened with `openStream` (a client's are odd, a server's even) and carry data both ways
/// with half-closes (`SPDYStream.finish`) and resets. The session answers the peer's pings, keeps the flow
/// control windows of both directions (`SPDYSendWindows`, `SPDYReceiveWindows`), and ends its streams when
/// the peer goes away or the connection closes.
///
/// Two loops drive it: `readLoop` dispatches incoming frames and `writeLoop` is the one writer of the
/// channel, taking frames from a queue that is filled under the session's lock — so stream ids go out in
/// increasing order and every frame keeps the order in which the session decided to send it. Frames that
/// carry a caller's data are acknowledged once written, which passes the socket's backpressure back to it.
public final class SPDYSession: Sendable {
    public enum Role: Sendable { case client, server }

    public struct Configuration: Sendable {
        public var peerWindowPolicy: SPDYPeerWindowPolicy = .enforceOnceAnnounced
        /// The largest DATA payload sent in one frame.
        public var maxDataFrame = 32 * 1024
        /// How long `openStream` waits for the peer's SYN_REPLY.
        public var replyTimeout: Duration = .seconds(30)
        /// Whether streams the peer opens are accepted (and appear in `peerStreams`) or refused.
        public var acceptsPeerStreams = false
        /// Bytes of a stream read from the socket but not yet consumed above which the session stops
        /// reading: a peer that ignores flow control is then paced by TCP instead of filling memory.
        public var inboundBufferLimit = SPDYSendWindows.defaultWindow

        public init() {}
    }

    struct Outgoing: Sendable {
        var frame: SPDYFrame
        var written: CheckedContinuation<Void, Error>?
    }

    struct StreamState {
        var headers: SPDYHeaders
        var replied: Bool
        var chunks: [ByteBuffer] = []
        var buffered = 0
        /// The peer finished (FIN), reset, or the session ended: no more data will arrive.
        var remoteEnded = false
        /// We finished or reset: no more data may be sent.
        var localEnded = false
        var resetStatus: UInt32?
    }

    struct State {
        var nextStreamID: UInt32
        var lastPeerStreamID: UInt32 = 0
        var streams: [UInt32: StreamState] = [:]
        var send: SPDYSendWindows
        var receive = SPDYReceiveWindows()
        var goneAway = false
        var goAwayRequested = false
        var closed = false
        var generation = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Error>] = [:]
        var cancelledWaiters: Set<Int> = []
        /// Waiters woken by a change made inside `waitFor`'s attempt, resumed once the lock is released.
        var deferredWakes: [CheckedContinuation<Void, Error>] = []
    }

    public let role: Role
    public let configuration: Configuration
    let state: Mutex<State>
    private let outgoing: AsyncStream<Outgoing>.Continuation
    private let outgoingFrames: AsyncStream<Outgoing>
    private let accepted: AsyncStream<SPDYStream>.Continuation
    /// Streams the peer opened (only with `acceptsPeerStreams`); ends with the session.
    public let peerStreams: AsyncStream<SPDYStream>

    public init(role: Role, configuration: Configuration = Configuration()) {
        self.role = role
        self.configuration = configuration
        state = Mutex(State(nextStreamID: role == .client ? 1 : 2, send: SPDYSendWindows(policy: configuration.peerWindowPolicy)))
        (outgoingFrames, outgoing) = AsyncStream.makeStream(of: Outgoing.self)
        (peerStreams, accepted) = AsyncStream.makeStream(of: SPDYStream.self)
    }

    /// The send windows as they stand (for tests and logs).
    public var sendWindows: SPDYSendWindows { state.withLock { $0.send } }

    // MARK: Opening and closing

    /// Opens a stream and waits for the peer's SYN_REPLY, as upstream's clients do before using a stream.
    public func openStream(headers: SPDYHeaders) async throws -> SPDYStream {
        let id = try state.withLock { s -> UInt32 in
            guard !s.closed, !s.goneAway else { throw SPDYSessionError.sessionClosed }
            let id = s.nextStreamID
            s.nextStreamID += 2
            s.streams[id] = StreamState(headers: headers, replied: false)
            s.send.open(id)
            outgoing.yield(Outgoing(frame: .synStream(streamID: id, headers: headers), written: nil))
            return id
        }
        let timeout = configuration.replyTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await self.waitFor { s -> Void? in
                    guard let stream = s.streams[id] else { throw SPDYSessionError.streamReset(id, SPDYResetStatus.cancel) }
                    // Replied first: a stream may be accepted, used and reset before this waiter runs.
                    if stream.replied { return () }
                    if let status = stream.resetStatus { throw SPDYSessionError.streamReset(id, status) }
                    if s.closed { throw SPDYSessionError.sessionClosed }
                    return nil
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SPDYSessionError.noReply(id)
            }
            try await group.next()
            group.cancelAll()
        }
        return SPDYStream(id: id, headers: headers, session: self)
    }

    /// Opens no more streams and lets the write loop end with GOAWAY once the queued frames are out.
    public func goAway() {
        state.withLock { s in
            s.goneAway = true
            s.goAwayRequested = true
        }
        outgoing.finish()
    }

    /// Ends every stream and wakes everything waiting on the session.
    func markClosed() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Error>] in
            s.closed = true
            for id in s.streams.keys { s.streams[id]!.remoteEnded = true }
            return Self.changed(&s)
        }
        for w in woken { w.resume() }
        outgoing.finish()
        accepted.finish()
    }

    // MARK: The loops

    /// Writes queued frames until the queue ends; a failed write fails the rest. After a `goAway`, the
    /// GOAWAY goes straight to the channel and is waited for: the async writer's `write` returns once a
    /// frame is handed to the channel, not once it is on the socket, and closing the channel drops what is
    /// still pending. Writes complete in order, so GOAWAY written means everything before it is too.
    func writeLoop(_ outbound: NIOAsyncChannelOutboundWriter<SPDYFrame>, channel: any Channel) async {
        var failure: Error?
        for await item in outgoingFrames {
            if let failure {
                item.written?.resume(throwing: failure)
                continue
            }
            do {
                try await outbound.write(item.frame)
                item.written?.resume()
            } catch {
                failure = error
                item.written?.resume(throwing: error)
            }
        }
        let goAway = state.withLock { s in
            s.goAwayRequested && !s.closed && failure == nil ? SPDYFrame.goAway(lastGoodStreamID: s.lastPeerStreamID, status: 0) : nil
        }
        if let goAway { try? await channel.writeAndFlush(goAway) }
    }

    /// Reads and dispatches frames until the connection ends, then closes the session.
    func readLoop<Frames: AsyncSequence>(_ frames: Frames) async where Frames.Element == SPDYFrame {
        do {
            for try await frame in frames {
                try await handle(frame)
            }
        } catch {}
        markClosed()
    }

    func handle(_ frame: SPDYFrame) async throws {
        var backpressured: UInt32?
        let woken: [CheckedContinuation<Void, Error>] = state.withLock { s in
            switch frame {
            case .data(let id, let data, let fin):
                guard var stream = s.streams[id], !stream.remoteEnded else {
                    // Data for a stream that is gone is dropped, but it still took room in the session's window.
                    for update in s.receive.consumed(stream: id, count: data.readableBytes, streamOpen: false) {
                        outgoing.yield(Outgoing(frame: .windowUpdate(streamID: update.streamID, delta: update.delta), written: nil))
                    }
                    return []
                }
                if data.readableBytes > 0 {
                    stream.chunks.append(data)
                    stream.buffered += data.readableBytes
                }
                if fin { stream.remoteEnded = true }
                if stream.buffered > configuration.inboundBufferLimit { backpressured = id }
                s.streams[id] = stream
            case .synReply(let id, _, let fin):
                guard s.streams[id] != nil else { return [] }
                s.streams[id]!.replied = true
                if fin { s.streams[id]!.remoteEnded = true }
            case .rstStream(let id, let status):
                guard s.streams[id] != nil else { return [] }
                s.streams[id]!.resetStatus = status
                s.streams[id]!.remoteEnded = true
                s.streams[id]!.localEnded = true
                s.send.close(id)
            case .settings(let settings, _):
                for setting in settings where setting.id == SPDYSetting.initialWindowSizeID {
                    s.send.initialWindowSize(setting.value)
                }
            case .ping(let id):
                // Ours are odd from a client and even from a server; the peer's are answered in kind.
                let ours = (id % 2 == 1) == (role == .client)
                if !ours { outgoing.yield(Outgoing(frame: .ping(id: id), written: nil)) }
                return []
            case .goAway:
                s.goneAway = true
            case .windowUpdate(let id, let delta):
                s.send.windowUpdate(stream: id, delta: delta)
            case .synStream(let id, _, _, let headers, let fin, _):
                let peerParity: UInt32 = role == .client ? 0 : 1
                guard configuration.acceptsPeerStreams, !s.goneAway, id % 2 == peerParity, id > s.lastPeerStreamID else {
                    outgoing.yield(Outgoing(frame: .rstStream(streamID: id, status: SPDYResetStatus.refusedStream), written: nil))
                    return []
                }
                s.lastPeerStreamID = id
                var stream = StreamState(headers: headers, replied: true)
                stream.remoteEnded = fin
                s.streams[id] = stream
                s.send.open(id)
                outgoing.yield(Outgoing(frame: .synReply(streamID: id, headers: SPDYHeaders(), fin: false), written: nil))
                accepted.yield(SPDYStream(id: id, headers: headers, session: self))
            case .headers, .unknownControl:
                return []
            }
            return Self.changed(&s)
        }
        for w in woken { w.resume() }
        if let id = backpressured {
            // Stop reading the socket until the consumer has caught up (TCP then holds the peer back).
            try await waitFor { s -> Void? in
                guard let stream = s.streams[id], !s.closed else { return () }
                return stream.buffered > configuration.inboundBufferLimit ? nil : ()
            }
        }
    }

    // MARK: Streams' operations

    /// Takes the next chunk of a stream (nil at its end), reopening the peer's windows for it.
    func nextChunk(of id: UInt32) async throws -> ByteBuffer? {
        try await waitFor { s -> ByteBuffer?? in
            guard var stream = s.streams[id] else { return .some(nil) }
            guard !stream.chunks.isEmpty else { return stream.remoteEnded ? .some(nil) : nil }
            let chunk = stream.chunks.removeFirst()
            stream.buffered -= chunk.readableBytes
            s.streams[id] = stream
            // The read loop may be parked until this stream's buffer drains.
            s.deferredWakes += Self.changed(&s)
            for update in s.receive.consumed(stream: id, count: chunk.readableBytes, streamOpen: !stream.remoteEnded) {
                outgoing.yield(Outgoing(frame: .windowUpdate(streamID: update.streamID, delta: update.delta), written: nil))
            }
            return .some(chunk)
        }
    }

    /// Sends `data` on a stream in frames the windows allow, each written before the next is sent.
    func write(_ data: ByteBuffer, on id: UInt32) async throws {
        var remaining = data
        while remaining.readableBytes > 0 {
            let wanted = min(remaining.readableBytes, configuration.maxDataFrame)
            let count = try await waitFor { s -> Int? in
                guard !s.closed, let stream = s.streams[id] else { throw SPDYSessionError.sessionClosed }
                if let status = stream.resetStatus { throw SPDYSessionError.streamReset(id, status) }
                guard !stream.localEnded else { throw SPDYSessionError.streamFinished(id) }
                let allowed = s.send.allowance(stream: id, wanted: wanted)
                guard allowed > 0 else { return nil }
                s.send.spend(stream: id, count: allowed)
                return allowed
            }
            try await send(.data(streamID: id, data: remaining.readSlice(length: count)!, fin: false))
        }
    }

    /// Half-closes a stream: an empty DATA frame with FIN (allowed whatever the windows say).
    func finish(_ id: UInt32) async throws {
        try state.withLock { s in
            guard let stream = s.streams[id], !stream.localEnded else { throw SPDYSessionError.streamFinished(id) }
            s.streams[id]!.localEnded = true
        }
        try await send(.data(streamID: id, data: ByteBuffer(), fin: true))
    }

    func reset(_ id: UInt32, status: UInt32) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Error>] in
            guard s.streams[id] != nil else { return [] }
            s.streams[id]!.localEnded = true
            s.streams[id]!.remoteEnded = true
            s.streams[id]!.resetStatus = status
            s.send.close(id)
            outgoing.yield(Outgoing(frame: .rstStream(streamID: id, status: status), written: nil))
            return Self.changed(&s)
        }
        for w in woken { w.resume() }
    }

    /// Queues a frame and waits until it is written to the channel.
    func send(_ frame: SPDYFrame) async throws {
        try await withCheckedThrowingContinuation { (written: CheckedContinuation<Void, Error>) in
            if case .terminated = outgoing.yield(Outgoing(frame: frame, written: written)) {
                written.resume(throwing: SPDYSessionError.sessionClosed)
            }
        }
    }

    // MARK: Waiting for the state to change

    /// Every change that may unblock a waiter bumps the generation and wakes all waiters, which re-check.
    static func changed(_ s: inout State) -> [CheckedContinuation<Void, Error>] {
        s.generation += 1
        let woken = Array(s.waiters.values)
        s.waiters = [:]
        return woken
    }

    /// Runs `attempt` under the lock until it returns a value, parking between attempts until the state
    /// changes. Cancellation throws `CancellationError`.
    func waitFor<T: Sendable>(_ attempt: (inout State) throws -> T?) async throws -> T {
        while true {
            try Task.checkCancellation()
            let (value, generation, ticket, woken) = try state.withLock { s -> (T?, Int, Int, [CheckedContinuation<Void, Error>]) in
                let value = try attempt(&s)
                s.nextWaiter += 1
                let woken = s.deferredWakes
                s.deferredWakes = []
                return (value, s.generation, s.nextWaiter, woken)
            }
            for w in woken { w.resume() }
            if let value { return value }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (parked: CheckedContinuation<Void, Error>) in
                    let resumeNow: Result<Void, Error>? = state.withLock { s in
                        if s.cancelledWaiters.remove(ticket) != nil { return .failure(CancellationError()) }
                        if s.generation != generation { return .success(()) }
                        s.waiters[ticket] = parked
                        return nil
                    }
                    if let resumeNow { parked.resume(with: resumeNow) }
                }
            } onCancel: {
                let parked = state.withLock { s -> CheckedContinuation<Void, Error>? in
                    if let parked = s.waiters.removeValue(forKey: ticket) { return parked }
                    s.cancelledWaiters.insert(ticket)
                    return nil
                }
                parked?.resume(throwing: CancellationError())
            }
        }
    }
}

public enum SPDYSessionError: Error, Sendable, CustomStringConvertible, Equatable {
    case sessionClosed
    case noReply(UInt32)
    case streamReset(UInt32, UInt32)
    case streamFinished(UInt32)

    public var description: String {
        switch self {
        case .sessionClosed: "the SPDY session is closed"
        case .noReply(let id): "the peer did not accept stream \(id)"
        case .streamReset(let id, let status): "stream \(id) was reset (status \(status))"
        case .streamFinished(let id): "stream \(id) is already finished"
        }
    }
}
