import NIOCore
import Storage
import Synchronization

/// The events of one watch between the task reading its etcd stream and the consumer, and the two things the
/// store waits on: the watch being set up, and an event reaching the buffer.
///
/// It keeps the embedded stores' contract for slow consumers: the events etcd replays from history (those up to
/// the store's revision when the watch began) are always buffered, and at most `maxBacklog` newer ones beyond
/// them; the event after that ends the watch with `.watcherTooSlow`, after the gap-free prefix buffered so far.
final class EtcdWatchBuffer: Sendable {
    enum Setup: Sendable { case pending, ready, failed(StorageError) }

    private struct State: Sendable {
        var events = CircularBuffer<WatchEvent>()
        /// How many replayed events were buffered: the buffer holds that many plus `maxBacklog` (as the embedded
        /// stores size a watch's buffer as its replay plus the backlog).
        var replayed = 0
        /// Set when no more events will come; thrown to the consumer after the buffered events (nil: ended normally).
        var ending: StorageError??
        var consumer: CheckedContinuation<WatchEvent?, any Error>?
        /// The highest revision the watch has reached: its last event, or a progress notification's revision.
        var delivered: Int64
        /// Writers waiting for `delivered` to reach a revision (see `EtcdStore.waitForWatchers`).
        var writers: [(id: Int, revision: Int64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWriterID = 0
        /// True while an etcd stream is set up and following: only then does a writer wait for this watch.
        var live = false
        var setup = Setup.pending
        var setupWaiter: CheckedContinuation<Void, any Error>?
    }

    private let state: Mutex<State>
    /// Events at or below this revision are replay (history when the watch began).
    let replayThrough: Int64
    let maxBacklog: Int

    init(afterRevision: Int64, replayThrough: Int64, maxBacklog: Int) {
        self.state = Mutex(State(delivered: afterRevision))
        self.replayThrough = replayThrough
        self.maxBacklog = maxBacklog
    }

    // MARK: Producer side

    /// Buffers `event`; false when the watch has ended (ended before, or now for being too slow).
    func push(_ event: WatchEvent) -> Bool {
        let (consumer, writers, accepted) = state.withLock { state -> (CheckedContinuation<WatchEvent?, any Error>?, [CheckedContinuation<Void, Never>], Bool) in
            guard state.ending == nil else { return (nil, [], false) }
            state.delivered = max(state.delivered, event.revision)
            let writers = Self.takeWriters(&state)
            if let consumer = state.consumer {
                state.consumer = nil
                return (consumer, writers, true)
            }
            if event.revision <= replayThrough {
                state.replayed += 1
            } else if state.events.count >= state.replayed + maxBacklog {
                // The consumer keeps what it has, then hears it fell behind.
                state.ending = .some(.watcherTooSlow)
                state.live = false
                return (nil, writers + state.writers.map(\.continuation), false)
            }
            state.events.append(event)
            return (nil, writers, true)
        }
        consumer?.resume(returning: event)
        writers.forEach { $0.resume() }
        return accepted
    }

    /// A progress notification: every later event has a revision above `revision`.
    func progress(_ revision: Int64) {
        let writers = state.withLock { state in
            state.delivered = max(state.delivered, revision)
            return Self.takeWriters(&state)
        }
        writers.forEach { $0.resume() }
    }

    /// Whether an etcd stream is following now; a writer does not wait for a watch that is reconnecting (its
    /// events come after it resumes).
    func setLive(_ live: Bool) {
        let writers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.ending == nil else { return [] }
            state.live = live
            guard !live else { return [] }
            defer { state.writers.removeAll() }
            return state.writers.map(\.continuation)
        }
        writers.forEach { $0.resume() }
    }

    /// Ends the watch: the consumer gets the buffered events, then `error` (nil: the end of the stream). The
    /// first ending wins. Returns false when it had already ended.
    @discardableResult
    func finish(_ error: StorageError?) -> Bool {
        let (consumer, writers, setupWaiter, first) = state.withLock { state -> (CheckedContinuation<WatchEvent?, any Error>?, [CheckedContinuation<Void, Never>], CheckedContinuation<Void, any Error>?, Bool) in
            guard state.ending == nil else { return (nil, [], nil, false) }
            state.ending = .some(error)
            state.live = false
            let writers = state.writers.map(\.continuation)
            state.writers.removeAll()
            var consumer: CheckedContinuation<WatchEvent?, any Error>?
            if state.events.isEmpty {
                consumer = state.consumer
                state.consumer = nil
            }
            var setupWaiter: CheckedContinuation<Void, any Error>?
            if case .pending = state.setup {
                state.setup = .failed(error ?? .unavailable("the watch ended"))
                setupWaiter = state.setupWaiter
                state.setupWaiter = nil
            }
            return (consumer, writers, setupWaiter, true)
        }
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
        writers.forEach { $0.resume() }
        setupWaiter?.resume(throwing: error ?? .unavailable("the watch ended"))
        return first
    }

    var hasEnded: Bool { state.withLock { $0.ending != nil } }

    var isSetUp: Bool {
        state.withLock { state in
            if case .ready = state.setup { return true }
            return false
        }
    }

    // MARK: Set-up

    /// The etcd watch is created: `EtcdStore.watch` returns.
    func setUp() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard case .pending = state.setup else { return nil }
            state.setup = .ready
            defer { state.setupWaiter = nil }
            return state.setupWaiter
        }
        waiter?.resume()
    }

    /// Waits until the etcd watch is created, or throws why it could not be.
    func waitUntilSetUp() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, StorageError>? in
                switch state.setup {
                case .ready: return .success(())
                case .failed(let error): return .failure(error)
                case .pending:
                    state.setupWaiter = continuation
                    return nil
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    // MARK: Writers

    /// Returns once this watch has buffered (or moved past) `revision`, has ended, is not following a stream,
    /// or the waiting task is cancelled.
    func waitUntilDelivered(_ revision: Int64) async {
        let id = state.withLock { state in
            state.nextWriterID += 1
            return state.nextWriterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state -> Bool in
                    guard state.live, state.ending == nil, state.delivered < revision, !Task.isCancelled else { return false }
                    state.writers.append((id, revision, continuation))
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.writers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.writers.remove(at: index).continuation
            }
            waiting?.resume()
        }
    }

    private static func takeWriters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.writers.isEmpty else { return [] }
        let delivered = state.delivered
        let ready = state.writers.filter { $0.revision <= delivered }.map(\.continuation)
        state.writers.removeAll { $0.revision <= delivered }
        return ready
    }

    // MARK: Consumer side

    /// The next event; nil once the watch ended normally; throws the error it ended with.
    func next() async throws -> WatchEvent? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<WatchEvent?, any Error>) in
            let result = state.withLock { state -> Result<WatchEvent?, StorageError>? in
                if let event = state.events.popFirst() { return .success(event) }
                if let ending = state.ending {
                    if let error = ending { return .failure(error) }
                    return .success(nil)
                }
                state.consumer = continuation
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// The consumer went away (cancelled, or dropped the stream): wakes a parked `next()` with the end.
    func consumerGone() {
        let consumer = state.withLock { state -> CheckedContinuation<WatchEvent?, any Error>? in
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }
}
