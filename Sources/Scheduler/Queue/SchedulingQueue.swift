import Client
import Synchronization

/// The pods waiting to be scheduled, in upstream's three parts (`PriorityQueue`):
///
/// - **activeQ**: ready now, highest priority first, then first come first served;
/// - **backoffQ**: failed recently; each waits `1s × 2^(attempts-1)` (at most 10s) from its last failure;
/// - **unschedulable**: rejected by plugins; stays until a cluster event one of those plugins registered
///   (`moveAllToActiveOrBackoff`) or 5 minutes pass (`flushUnschedulablePodsLeftover`).
///
/// Thread-safe (a `Mutex`), so informer handlers call it synchronously; `pop()` suspends until a pod is
/// ready. `run()` drives the periodic flushes (backoff every second, unschedulable every 30 seconds).
public final class SchedulingQueue: Sendable {
    public struct Configuration: Sendable {
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        /// How long a pod may sit in unschedulable before it is retried anyway.
        public var maxInUnschedulable: Duration

        public init(initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(10),
                    maxInUnschedulable: Duration = .seconds(300)) {
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.maxInUnschedulable = maxInUnschedulable
        }
    }

    /// Where each pending pod is, for diagnostics and tests (uids, in queue order for activeQ).
    public struct Contents: Sendable, Equatable {
        public var active: [String]
        public var backoff: [String]
        public var unschedulable: [String]
        public var inFlight: [String]
    }

    private struct InFlight {
        var cycle: Int
        var latest: PodView?
        var deleted = false
    }

    private typealias Waiter = (id: UInt64, continuation: CheckedContinuation<QueuedPodInfo?, Never>)

    private struct State {
        var active = PodHeap(order: .priorityThenTimestamp)
        var backoff = PodHeap(order: .backoffExpiry)
        var unschedulable: [String: QueuedPodInfo] = [:]
        var inFlight: [String: InFlight] = [:]
        var schedulingCycle = 0
        var moveRequestCycle = -1
        var sequence: UInt64 = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())
    public let configuration: Configuration
    private let pluginEvents: [String: [ClusterEvent]]
    /// What backoff and time in unschedulable are measured by, and the periodic flushes sleep on.
    private let clock: any MonotonicClock

    /// - Parameters:
    ///   - pluginEvents: each plugin's registered events (`SchedulerProfile.pluginEvents`).
    ///   - clock: the clock (tests pass a `ManualClock`).
    public init(pluginEvents: [String: [ClusterEvent]] = SchedulerProfile.defaultProfile().pluginEvents,
                configuration: Configuration = Configuration(),
                clock: any MonotonicClock = ContinuousClock()) {
        self.pluginEvents = pluginEvents
        self.configuration = configuration
        self.clock = clock
    }

    // MARK: Informer-driven changes

    /// A new pod to schedule (or one seen again): into activeQ, or held as gated while it has
    /// `schedulingGates`. A pod being scheduled right now is only recorded as updated (never queued twice).
    public func add(_ pod: PodView) {
        mutate { s, t in
            if s.inFlight[pod.uid] != nil {
                s.inFlight[pod.uid]?.latest = pod
                return
            }
            s.backoff.remove(pod.uid)
            s.unschedulable[pod.uid] = nil
            var info = s.active.get(pod.uid) ?? self.newInfo(pod, &s, t)
            info.pod = pod
            self.moveToActive(info, &s)
        }
    }

    /// A pending pod changed. In activeQ/backoffQ it is updated in place; in unschedulable, a change to
    /// what scheduling reads moves it out (to backoffQ if still backing off); a pod found nowhere is added.
    public func update(_ pod: PodView) {
        mutate { s, t in
            if var flight = s.inFlight[pod.uid] {
                flight.latest = pod
                s.inFlight[pod.uid] = flight
                return
            }
            if var info = s.active.get(pod.uid) {
                info.pod = pod
                s.active.upsert(info)
                return
            }
            if var info = s.backoff.get(pod.uid) {
                info.pod = pod
                s.backoff.upsert(info)
                return
            }
            if var info = s.unschedulable[pod.uid] {
                let changed = !Self.sameSchedulingInputs(info.pod, pod)
                info.pod = pod
                if info.gated {
                    info.gated = pod.isGated
                    if info.gated {
                        s.unschedulable[pod.uid] = info
                    } else {
                        s.unschedulable[pod.uid] = nil
                        self.moveToActive(info, &s)
                    }
                    return
                }
                guard changed else {
                    s.unschedulable[pod.uid] = info
                    return
                }
                s.unschedulable[pod.uid] = nil
                if self.isBackingOff(info, t) {
                    self.pushBackoff(info, &s)
                } else {
                    self.moveToActive(info, &s)
                }
                return
            }
            self.moveToActive(self.newInfo(pod, &s, t), &s)
        }
    }

    /// The pod was deleted or got bound by someone else: forget it everywhere.
    public func delete(uid: String) {
        mutate { s, _ in
            s.active.remove(uid)
            s.backoff.remove(uid)
            s.unschedulable[uid] = nil
            s.inFlight[uid]?.deleted = true
        }
    }

    // MARK: The scheduling loop

    /// The next pod to schedule, waiting until one is ready; nil once `close()`d or the task is cancelled.
    /// The pod is "in flight" until `done` or `addUnschedulableIfNotPresent`.
    public func pop() async -> QueuedPodInfo? {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        let t = clock.now
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<QueuedPodInfo?, Never>) in
                let ready: QueuedPodInfo?? = state.withLock { s in
                    if s.closed || Task.isCancelled { return .some(nil) }
                    if !s.active.isEmpty { return .some(self.takeActive(&s, t)) }
                    s.waiters.append((id, continuation))
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> Waiter? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i)
            }
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// Puts back a pod whose cycle failed. With rejecting plugins it waits in unschedulable — unless a
    /// move request arrived while it was in flight, when it goes to backoffQ; with none (an error) it goes
    /// to backoffQ. A pod deleted meanwhile is dropped; one updated meanwhile is requeued as updated.
    public func addUnschedulableIfNotPresent(_ info: QueuedPodInfo, unschedulablePlugins: Set<String>) {
        mutate { s, t in
            let flight = s.inFlight.removeValue(forKey: info.uid)
            if flight?.deleted == true { return }
            if s.active.contains(info.uid) || s.backoff.contains(info.uid) || s.unschedulable[info.uid] != nil { return }
            var requeued = info
            requeued.timestamp = t
            requeued.unschedulablePlugins = unschedulablePlugins
            var moved = s.moveRequestCycle >= (flight?.cycle ?? Int.max) || unschedulablePlugins.isEmpty
            if let latest = flight?.latest {
                if !Self.sameSchedulingInputs(requeued.pod, latest) { moved = true }
                requeued.pod = latest
                requeued.gated = latest.isGated
            }
            if requeued.gated {
                s.unschedulable[info.uid] = requeued
            } else if moved {
                self.pushBackoff(requeued, &s)
            } else {
                s.unschedulable[info.uid] = requeued
            }
        }
    }

    /// The pod's cycle is over (bound, or handed to `addUnschedulableIfNotPresent`).
    public func done(uid: String) {
        state.withLock { s in _ = s.inFlight.removeValue(forKey: uid) }
    }

    // MARK: Cluster events and flushing

    /// A cluster event happened: unschedulable pods rejected by a plugin that registered it (or rejected
    /// by none) move to activeQ, or to backoffQ while still backing off. Pods in flight that fail after
    /// this go to backoffQ rather than unschedulable.
    public func moveAllToActiveOrBackoff(_ event: ClusterEvent) {
        mutate { s, t in
            guard event.isWildcard || self.isEventOfInterest(event) else { return }
            self.move(s.unschedulable.values.filter { !$0.gated && self.isWorthRequeuing($0, event) }, &s, t)
            s.moveRequestCycle = s.schedulingCycle
        }
    }

    /// Moves every pod whose backoff has expired to activeQ (upstream runs this each second).
    public func flushBackoffQCompleted() {
        mutate { s, t in
            while let first = s.backoff.first, first.backoffExpiry <= t {
                _ = s.backoff.popFirst()
                self.moveToActive(first, &s)
            }
        }
    }

    /// Retries pods unschedulable for longer than `maxInUnschedulable` (upstream runs this every 30s).
    public func flushUnschedulablePodsLeftover() {
        mutate { s, t in
            let stale = s.unschedulable.values.filter {
                !$0.gated && $0.timestamp.duration(to: t) > self.configuration.maxInUnschedulable
            }
            if !stale.isEmpty { self.move(stale, &s, t) }
        }
    }

    /// Runs the periodic flushes until the task is cancelled or the queue closed.
    public func run(tick: Duration = .seconds(1), unschedulableFlushEvery: Int = 30) async {
        var ticks = 0
        while !Task.isCancelled, !state.withLock({ $0.closed }) {
            do { try await clock.sleep(for: tick) } catch { return }
            flushBackoffQCompleted()
            ticks += 1
            if ticks % unschedulableFlushEvery == 0 { flushUnschedulablePodsLeftover() }
        }
    }

    /// Wakes every `pop()` with nil; later pops return nil at once.
    public func close() {
        let waiters = state.withLock { s -> [Waiter] in
            s.closed = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.continuation.resume(returning: nil) }
    }

    public var contents: Contents {
        state.withLock { s in
            var active = s.active
            var order: [String] = []
            while let p = active.popFirst() { order.append(p.uid) }
            return Contents(active: order, backoff: s.backoff.items.map(\.uid).sorted(),
                            unschedulable: s.unschedulable.keys.sorted(), inFlight: s.inFlight.keys.sorted())
        }
    }

    /// How many `pop()` calls are parked waiting for a pod: tests wait for this instead of sleeping.
    var waitingPops: Int { state.withLock { $0.waiters.count } }

    /// How many pods wait in each part, as upstream's `scheduler_pending_pods` splits them: pods held by
    /// scheduling gates sit with the unschedulable ones here but count as `gated`, never as both.
    public struct PendingCounts: Sendable, Equatable {
        public var active = 0
        public var backoff = 0
        public var unschedulable = 0
        public var gated = 0

        public init(active: Int = 0, backoff: Int = 0, unschedulable: Int = 0, gated: Int = 0) {
            (self.active, self.backoff, self.unschedulable, self.gated) = (active, backoff, unschedulable, gated)
        }
    }

    public var pendingCounts: PendingCounts {
        state.withLock { s in
            let gated = s.unschedulable.values.reduce(0) { $0 + ($1.gated ? 1 : 0) }
            return PendingCounts(active: s.active.count, backoff: s.backoff.count,
                                 unschedulable: s.unschedulable.count - gated, gated: gated)
        }
    }

    /// Pods waiting (active + backoff + unschedulable).
    public var count: Int { state.withLock { $0.active.count + $0.backoff.count + $0.unschedulable.count } }

    /// `initialBackoff × 2^(attempts-1)`, at most `maxBackoff`; no backoff before the first attempt.
    public func backoffDuration(attempts: Int) -> Duration {
        guard attempts > 0 else { return .zero }
        var d = configuration.initialBackoff
        for _ in 1..<attempts {
            if d > configuration.maxBackoff - d { return configuration.maxBackoff }
            d += d
        }
        return min(d, configuration.maxBackoff)
    }

    // MARK: Internals (called with the lock held)

    /// Applies a change under the lock, then hands ready pods to waiting `pop()`s outside it.
    private func mutate(_ body: (inout State, ContinuousClock.Instant) -> Void) {
        let t = clock.now
        let handoffs = state.withLock { s -> [(CheckedContinuation<QueuedPodInfo?, Never>, QueuedPodInfo)] in
            body(&s, t)
            var out: [(CheckedContinuation<QueuedPodInfo?, Never>, QueuedPodInfo)] = []
            while !s.waiters.isEmpty, !s.active.isEmpty {
                let w = s.waiters.removeFirst()
                out.append((w.continuation, self.takeActive(&s, t)))
            }
            return out
        }
        for (c, info) in handoffs { c.resume(returning: info) }
    }

    private func newInfo(_ pod: PodView, _ s: inout State, _ t: ContinuousClock.Instant) -> QueuedPodInfo {
        s.sequence += 1
        return QueuedPodInfo(pod: pod, timestamp: t, sequence: s.sequence)
    }

    private func takeActive(_ s: inout State, _ t: ContinuousClock.Instant) -> QueuedPodInfo {
        var info = s.active.popFirst()!
        info.attempts += 1
        if info.initialAttemptTimestamp == nil { info.initialAttemptTimestamp = t }
        s.schedulingCycle += 1
        s.inFlight[info.uid] = InFlight(cycle: s.schedulingCycle)
        return info
    }

    /// activeQ, unless scheduling gates hold the pod back (then unschedulable, marked gated).
    private func moveToActive(_ info: QueuedPodInfo, _ s: inout State) {
        var info = info
        info.gated = info.pod.isGated
        if info.gated {
            s.unschedulable[info.uid] = info
            return
        }
        s.sequence += 1
        info.sequence = s.sequence
        s.active.upsert(info)
    }

    private func pushBackoff(_ info: QueuedPodInfo, _ s: inout State) {
        var info = info
        info.backoffExpiry = info.timestamp.advanced(by: backoffDuration(attempts: info.attempts))
        s.sequence += 1
        info.sequence = s.sequence
        s.backoff.upsert(info)
    }

    private func isBackingOff(_ info: QueuedPodInfo, _ t: ContinuousClock.Instant) -> Bool {
        !info.gated && info.timestamp.advanced(by: backoffDuration(attempts: info.attempts)) > t
    }

    private func move(_ infos: [QueuedPodInfo], _ s: inout State, _ t: ContinuousClock.Instant) {
        // Oldest first, so FIFO order among equal priorities survives the move.
        for info in infos.sorted(by: { $0.sequence < $1.sequence }) {
            s.unschedulable[info.uid] = nil
            if isBackingOff(info, t) {
                pushBackoff(info, &s)
            } else {
                moveToActive(info, &s)
            }
        }
    }

    private func isEventOfInterest(_ event: ClusterEvent) -> Bool {
        pluginEvents.values.contains { $0.contains { event.matches($0) } }
    }

    /// Upstream `isPodWorthRequeuing` without queueing hints.
    private func isWorthRequeuing(_ info: QueuedPodInfo, _ event: ClusterEvent) -> Bool {
        if info.unschedulablePlugins.isEmpty || event.isWildcard { return true }
        for plugin in info.unschedulablePlugins {
            if pluginEvents[plugin]?.contains(where: { event.matches($0) }) == true { return true }
        }
        return false
    }

    /// Upstream `isPodUpdated`: ignores status-only changes (here: nomination, phase, start time).
    static func sameSchedulingInputs(_ a: PodView, _ b: PodView) -> Bool {
        var x = a
        x.nominatedNodeName = b.nominatedNodeName
        x.phase = b.phase
        x.startTime = b.startTime
        return x == b
    }
}
