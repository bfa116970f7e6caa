import APIMachinery
import Foundation
import Logging
import Synchronization

/// How a `LeaderElector` competes for its lock.
public struct LeaderElectionConfig: Sendable {
    /// The Lease used as the lock (for example `kube-system/kube-scheduler`).
    public var leaseNamespace: String
    public var leaseName: String
    /// This candidate's unique name (upstream: hostname plus a UUID).
    public var identity: String
    /// How long non-leaders wait, from the last change they saw, before taking over. Whole seconds are
    /// written to the Lease.
    public var leaseDuration: Duration = .seconds(15)
    /// How long the leader keeps retrying a failed renewal before it gives up leadership.
    public var renewDeadline: Duration = .seconds(10)
    /// The wait between attempts to acquire or renew.
    public var retryPeriod: Duration = .seconds(2)
    /// Release the lock when stopped, so another candidate can take over without waiting out the lease.
    public var releaseOnCancel: Bool = true

    public init(leaseNamespace: String = "kube-system", leaseName: String, identity: String) {
        self.leaseNamespace = leaseNamespace
        self.leaseName = leaseName
        self.identity = identity
    }
}

/// A configuration `LeaderElector` refuses; the messages are client-go's.
public struct LeaderElectionConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Runs work in exactly one of several copies of a component (client-go's `leaderelection.LeaderElector`
/// over a Lease lock).
///
/// Each candidate keeps reading the Lease. One that finds it free (no holder), missing, or unchanged for
/// longer than its `leaseDurationSeconds` (by the candidate's own clock, so clock skew between machines
/// does not matter) writes itself in as holder; optimistic concurrency on the Lease's resourceVersion lets
/// only one of several racing candidates win. The leader renews every `retryPeriod`; if it cannot renew
/// within `renewDeadline` it stops leading, which stays shorter than the `leaseDuration` the others wait.
public final class LeaderElector: Sendable {
    public let config: LeaderElectionConfig
    let client: KubeClient
    let onStartedLeading: @Sendable () async -> Void
    let onStoppedLeading: @Sendable () async -> Void
    let onNewLeader: (@Sendable (String) async -> Void)?
    let logger: Logger
    /// Times leases, renew deadlines and retries (tests pass a `ManualClock`).
    let clock: any MonotonicClock
    let state = Mutex(State())

    /// The JitterFactor upstream applies to `retryPeriod` while acquiring.
    static let jitterFactor = 1.2

    struct State {
        var observedRecord: LeaderElectionRecord?
        /// When (by our clock) the record was last seen to change: the lease runs from here.
        var observedTime: ContinuousClock.Instant?
        /// The Lease as last read or written, whose resourceVersion guards our next write.
        var lease: JSON?
        var reportedLeader = ""
    }

    /// - Parameters:
    ///   - onStartedLeading: the leader's work. It runs in a child task once leadership is acquired and is
    ///     cancelled when leadership is lost or the elector stops; it must return promptly when cancelled,
    ///     since the lock is only released after it has returned.
    ///   - onStoppedLeading: called when `run` ends, whether or not this candidate ever led.
    ///   - onNewLeader: called, in order, with each new holder this candidate observes (including itself).
    ///   - clock: what leases, deadlines and retry periods are measured and slept on.
    public init(
        client: KubeClient, config: LeaderElectionConfig,
        onStartedLeading: @escaping @Sendable () async -> Void,
        onStoppedLeading: @escaping @Sendable () async -> Void = {},
        onNewLeader: (@Sendable (String) async -> Void)? = nil,
        logger: Logger? = nil,
        clock: any MonotonicClock = ContinuousClock()
    ) throws {
        if config.leaseDuration <= config.renewDeadline {
            throw LeaderElectionConfigError(description: "leaseDuration must be greater than renewDeadline")
        }
        if config.renewDeadline <= config.retryPeriod * Self.jitterFactor {
            throw LeaderElectionConfigError(description: "renewDeadline must be greater than retryPeriod*JitterFactor")
        }
        if config.leaseDuration < .seconds(1) {
            // The Lease stores whole seconds: a shorter duration would be written as 0 and never hold.
            throw LeaderElectionConfigError(description: "leaseDuration must be at least one second")
        }
        if config.retryPeriod <= .zero {
            throw LeaderElectionConfigError(description: "retryPeriod must be greater than zero")
        }
        if config.identity.isEmpty {
            throw LeaderElectionConfigError(description: "Lock identity is empty")
        }
        if config.leaseName.isEmpty {
            throw LeaderElectionConfigError(description: "lease name is empty")
        }
        self.client = client
        self.config = config
        self.onStartedLeading = onStartedLeading
        self.onStoppedLeading = onStoppedLeading
        self.onNewLeader = onNewLeader
        self.logger = logger ?? Logger(label: "leaderelection")
        self.clock = clock
    }

    var leases: ResourcePath { ResourcePath.leases.inNamespace(config.leaseNamespace) }
    var describe: String { "\(config.leaseNamespace)/\(config.leaseName)" }

    /// True when the last record this candidate saw names it as holder.
    public var isLeader: Bool { state.withLock { $0.observedRecord?.holderIdentity == config.identity } }

    /// The holder of the last record seen ("" when none or released).
    public var leader: String { state.withLock { $0.observedRecord?.holderIdentity ?? "" } }

    /// The last record seen or written.
    public var observedRecord: LeaderElectionRecord? { state.withLock { $0.observedRecord } }

    // MARK: Run

    /// Competes for the lock until this candidate has led and lost, or the task is cancelled. While
    /// leading, runs `onStartedLeading`; at the end calls `onStoppedLeading`. Like upstream, a stopped
    /// elector is not restarted: components exit (and restart) when they lose leadership.
    public func run() async {
        let (changes, reporter) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        await withTaskGroup(of: Void.self) { group in
            if let onNewLeader {
                group.addTask { for await id in changes { await onNewLeader(id) } }
            }
            await elect(reporter)
            reporter.finish()
        }
        await onStoppedLeading()
    }

    func elect(_ reporter: AsyncStream<String>.Continuation) async {
        guard await acquire(reporter) else { return }
        logger.info("successfully acquired lease \(describe)")
        let onStartedLeading = self.onStartedLeading
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await onStartedLeading() }
            await renew(reporter)
            group.cancelAll()
        }
        if config.releaseOnCancel {
            // Released even when our task is cancelled: the unstructured task does not inherit that.
            _ = await Task { await self.release() }.value
        }
    }

    /// Tries every `retryPeriod` (with jitter) until the lock is ours; false when cancelled first.
    func acquire(_ reporter: AsyncStream<String>.Continuation) async -> Bool {
        logger.info("attempting to acquire leader lease \(describe)...")
        while !Task.isCancelled {
            let ok = await tryAcquireOrRenew()
            reportTransition(reporter)
            if ok { return true }
            let wait = config.retryPeriod + config.retryPeriod * Double.random(in: 0..<Self.jitterFactor)
            do { try await clock.sleep(for: wait) } catch { return false }
        }
        return false
    }

    /// Renews every `retryPeriod`; returns when a renewal has not succeeded within `renewDeadline`, when
    /// the Lease is seen held by another candidate, or when the task is cancelled.
    ///
    /// Retrying until `renewDeadline` rides out a slow or briefly unreachable API server; it is no use once
    /// the Lease names someone else. Then this copy has already been replaced (it was paused, or cut off,
    /// for longer than the lease), and every further moment it keeps leading, two copies act at once — so
    /// it stops at once rather than after `renewDeadline` as client-go's elector does.
    func renew(_ reporter: AsyncStream<String>.Continuation) async {
        while !Task.isCancelled {
            let deadline = clock.now + config.renewDeadline
            var renewed = false
            while !Task.isCancelled {
                if await before(deadline, { await self.tryAcquireOrRenew() }) == true {
                    renewed = true
                    break
                }
                let holder = leader
                if !holder.isEmpty && holder != config.identity {
                    reportTransition(reporter)
                    logger.info("lease \(describe) is now held by \(holder): stopping leading")
                    return
                }
                let next = min(clock.now + config.retryPeriod, deadline)
                try? await clock.sleep(until: next)
                if clock.now >= deadline { break }
            }
            reportTransition(reporter)
            if !renewed {
                if !Task.isCancelled { logger.info("failed to renew lease \(describe): timed out waiting for the condition") }
                return
            }
            do { try await clock.sleep(for: config.retryPeriod) } catch { return }
        }
    }

    /// Runs `operation`, cancelling it at `deadline`; nil when the deadline came first.
    func before<T: Sendable>(_ deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async -> T) async -> T? {
        let clock = self.clock
        return await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                try? await clock.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func reportTransition(_ reporter: AsyncStream<String>.Continuation) {
        let changed = state.withLock { s -> String? in
            let holder = s.observedRecord?.holderIdentity ?? ""
            guard holder != s.reportedLeader else { return nil }
            s.reportedLeader = holder
            return holder
        }
        if let changed { reporter.yield(changed) }
    }

    // MARK: One attempt

    func setObserved(_ record: LeaderElectionRecord, lease: JSON?) {
        state.withLock { s in
            s.observedRecord = record
            s.observedTime = clock.now
            if let lease { s.lease = lease }
        }
    }

    func isLeaseValid(_ s: State, now: ContinuousClock.Instant) -> Bool {
        guard let t = s.observedTime, let r = s.observedRecord else { return false }
        return t + .seconds(r.leaseDurationSeconds) > now
    }

    /// One round of client-go's `tryAcquireOrRenew`: true when the lock is ours afterwards.
    func tryAcquireOrRenew() async -> Bool {
        let now = RFC3339.microTime(Date())
        let leaseSeconds = Int((config.leaseDuration / .seconds(1)).rounded(.down))
        var record = LeaderElectionRecord(
            holderIdentity: config.identity, leaseDurationSeconds: leaseSeconds, acquireTime: now, renewTime: now,
            leaderTransitions: 0)

        // 1. The leader's fast path: write over the Lease as last seen, assuming nobody else touched it.
        let fast = state.withLock { s -> LeaderElectionRecord? in
            guard s.observedRecord?.holderIdentity == config.identity, isLeaseValid(s, now: clock.now) else { return nil }
            return s.observedRecord
        }
        if let observed = fast {
            record.acquireTime = observed.acquireTime
            record.leaderTransitions = observed.leaderTransitions
            do {
                let written = try await updateLease(record)
                setObserved(record, lease: written)
                return true
            } catch {
                if Task.isCancelled { return false }
                logger.debug("Failed to update lock optimistically: \(error), falling back to slow path")
            }
        }

        // 2. Read the Lease, creating it when missing.
        let lease: JSON
        do {
            lease = try await client.get(leases, config.leaseName)
        } catch let e as APIError where e.code == 404 {
            do {
                let created = try await client.create(leases, [
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": .string(config.leaseName), "namespace": .string(config.leaseNamespace)],
                    "spec": record.leaseSpec,
                ])
                setObserved(record, lease: created)
                return true
            } catch {
                logger.debug("error initially creating leader election record: \(error)")
                return false
            }
        } catch {
            logger.debug("error retrieving resource lock \(describe): \(error)")
            return false
        }

        // 3. Note a changed record (restarting its lease clock); back off while someone else holds it.
        let old = LeaderElectionRecord(leaseSpec: lease["spec"])
        let heldByOther = state.withLock { s -> Bool in
            s.lease = lease
            if s.observedRecord != old {
                s.observedRecord = old
                s.observedTime = clock.now
            }
            return !old.holderIdentity.isEmpty && isLeaseValid(s, now: clock.now) && old.holderIdentity != config.identity
        }
        if heldByOther { return false }

        // 4. Take it over (or renew it).
        if old.holderIdentity == config.identity {
            record.acquireTime = old.acquireTime
            record.leaderTransitions = old.leaderTransitions
        } else {
            record.leaderTransitions = old.leaderTransitions + 1
        }
        do {
            let written = try await updateLease(record)
            setObserved(record, lease: written)
            return true
        } catch {
            logger.debug("Failed to update lock: \(error)")
            return false
        }
    }

    /// Writes `record` into the Lease as last seen; a Conflict means someone else wrote it since.
    func updateLease(_ record: LeaderElectionRecord) async throws -> JSON {
        guard var lease = state.withLock({ $0.lease }) else {
            throw APIError.internalError("lease not initialized, call get or create first")
        }
        lease["spec"] = record.leaseSpec
        return try await client.update(leases, lease)
    }

    /// Gives the lock up if we hold it: no holder, a one-second lease, same transition count.
    @discardableResult
    func release() async -> Bool {
        guard let observed = state.withLock({ $0.observedRecord }), observed.holderIdentity == config.identity else {
            return true
        }
        let now = RFC3339.microTime(Date())
        let record = LeaderElectionRecord(
            holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now,
            leaderTransitions: observed.leaderTransitions)
        do {
            let written = try await updateLease(record)
            setObserved(record, lease: written)
            return true
        } catch {
            logger.error("Failed to release lock: \(error)")
            return false
        }
    }
}
