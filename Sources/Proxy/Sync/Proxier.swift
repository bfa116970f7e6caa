import Foundation
import Logging
import Synchronization

/// How often and how the proxy syncs.
public struct ProxierOptions: Sendable {
    public var layout = TableLayout()
    /// Changes closer together than this are applied together (upstream's `--min-sync-period`).
    public var minSyncPeriod: Duration = .milliseconds(250)
    /// A full resync (every chain and element rewritten, stale objects swept) at least this often, which
    /// also repairs anything changed behind the proxy's back (upstream's `--sync-period`).
    public var syncPeriod: Duration = .seconds(30)
    /// First wait after a failed sync; doubles up to `syncPeriod`.
    public var retryPeriod: Duration = .seconds(1)
    /// This node (for `externalTrafficPolicy: Local`'s local endpoints).
    public var nodeName: String?
    /// The pod range (pods skip `externalTrafficPolicy: Local`'s restriction, as upstream).
    public var clusterCIDR: String?

    public init() {}
}

/// What one sync did.
public struct SyncReport: Sendable {
    public var full: Bool
    /// Bytes of nft script applied (0 when nothing changed and nft was not called).
    public var scriptBytes: Int
    public var commands: Int
    public var computeSeconds: Double
    public var applySeconds: Double
    public var summary: String
    /// Network programming latencies observed by this sync, in seconds.
    public var latencies: [Double]
}

/// Keeps the node's `skiff-proxy` table equal to what the Services and EndpointSlices say (upstream's
/// nftables `Proxier` and its `BoundedFrequencyRunner`).
///
/// Changes land in `state` (from informer handlers) and wake the loop in `run()`. A partial sync
/// recomputes the rules of the Services that changed only, diffs each against what was applied for it,
/// and applies the differences as one `nft -f` transaction, so its cost follows the size of the change,
/// not of the cluster. The first sync, one every `syncPeriod`, and the sync after a failure recompute
/// everything and rewrite the table in full instead. Syncs never overlap: only the loop runs them (or a test calling `sync` itself).
public final class Proxier: Sendable {
    public let options: ProxierOptions
    public let executor: any NFTablesExecutor
    public let metrics: ProxyMetrics
    public let state: ProxyState
    /// Clears UDP flows to removed endpoints after each sync; nil leaves them to time out.
    public let conntrack: (any ConntrackCleaner)?
    /// Puts the load-balancer addresses this node serves on the node; nil leaves addresses alone.
    public let announcer: (any AddressAnnouncer)?
    let logger: Logger
    let builder: RulesetBuilder
    let script: NFTScript
    let wakeStream: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation
    let sync = Mutex(SyncState())

    struct SyncState {
        /// What the kernel has, as of the last successful sync, by Service key; nil forces a full sync.
        var applied: [String: Ruleset]?
        var lastSyncStart: ContinuousClock.Instant?
        var lastFullSync: ContinuousClock.Instant?
        /// Set by the `syncPeriod` ticker: the next sync is a full one.
        var fullRequested = false
        var consecutiveFailures = 0
        var healthy = false
        var lastSuccess: Date?
        /// What the announcer was last told successfully (nil: tell it on the next sync).
        var announced: Set<String>?
    }

    public init(
        options: ProxierOptions = ProxierOptions(), executor: any NFTablesExecutor, conntrack: (any ConntrackCleaner)? = nil,
        announcer: (any AddressAnnouncer)? = nil, metrics: ProxyMetrics = ProxyMetrics(), logger: Logger = Logger(label: "proxy")
    ) {
        self.options = options
        self.executor = executor
        self.conntrack = conntrack
        self.announcer = announcer
        self.metrics = metrics
        self.logger = logger
        builder = RulesetBuilder(layout: options.layout, nodeName: options.nodeName, clusterCIDR: options.clusterCIDR)
        script = NFTScript(layout: options.layout)
        (wakeStream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let wake = self.wake
        let metrics = self.metrics
        state = ProxyState(onChange: {
            metrics.lastQueuedTimestamp.set(Date().timeIntervalSince1970)
            wake.yield()
        })
    }

    /// True after a successful sync, until one fails (what `/healthz` reports).
    public var isHealthy: Bool { sync.withLock { $0.healthy } }

    /// When the last sync succeeded.
    public var lastSuccessfulSync: Date? { sync.withLock { $0.lastSuccess } }

    /// The ruleset last applied (nil before the first sync or after a failure).
    public var appliedRuleset: Ruleset? { sync.withLock { $0.applied }.map { Ruleset.merged($0.values) } }

    /// Syncs whenever something changed (at most once per `minSyncPeriod`), in full every `syncPeriod`,
    /// and retries failures with back-off, until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [wake, options] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: options.syncPeriod) } catch { return }
                    self.sync.withLock { $0.fullRequested = true }
                    wake.yield()
                }
            }
            group.addTask { await self.loop() }
            await group.next()
            group.cancelAll()
        }
    }

    func loop() async {
        for await _ in wakeStream {
            guard state.isInitialized else { continue }
            let dirty = state.isDirty
            let (due, retryAt) = sync.withLock { s -> (Bool, ContinuousClock.Instant?) in
                (s.applied == nil || s.fullRequested || dirty, s.lastSyncStart.map { $0 + options.minSyncPeriod })
            }
            guard due else { continue }
            if let retryAt, retryAt > .now {
                // Let a burst of changes gather into one transaction.
                do { try await Task.sleep(until: retryAt) } catch { return }
            }
            do {
                _ = try await syncOnce()
            } catch is CancellationError {
                return
            } catch {
                let delay = sync.withLock { s -> Duration in
                    s.consecutiveFailures += 1
                    return min(options.retryPeriod * (1 << min(s.consecutiveFailures - 1, 10)), options.syncPeriod)
                }
                logger.error("sync failed, retrying in \(delay): \(error)")
                let wake = self.wake
                Task {
                    try? await Task.sleep(for: delay)
                    wake.yield()
                }
            }
        }
    }

    /// One sync now: full when `forceFull`, when nothing was applied yet, or when the `syncPeriod` ticker
    /// asked for one; otherwise only the difference. Not to be called while `run()` is running.
    @discardableResult
    public func syncOnce(forceFull: Bool = false) async throws -> SyncReport {
        let start = ContinuousClock.now
        let (previous, full) = sync.withLock { s -> ([String: Ruleset]?, Bool) in
            s.lastSyncStart = start
            let full = forceFull || s.applied == nil || s.fullRequested
            if full { s.fullRequested = false }
            return (s.applied, full)
        }
        let snapshot = state.takeSnapshot(all: full)
        do {
            var fragments: [String: Ruleset]
            let text: String, summary: String
            if full {
                fragments = snapshot.inputs.mapValues { builder.build(servicePorts: $0.ports, slices: $0.slices) }.filter { !$0.value.isEmpty }
                let existing = try await executor.existingObjects(layout: options.layout)
                let desired = Ruleset.merged(fragments.values)
                text = script.full(desired, existing: existing)
                summary = desired.summary
            } else {
                // Each Service's objects are its own, so its diff stands alone and the diffs concatenate.
                fragments = previous ?? [:]
                var parts: [String] = []
                for key in snapshot.changed.sorted() {
                    let inputs = snapshot.inputs[key] ?? ProxyState.ServiceInputs()
                    let new = builder.build(servicePorts: inputs.ports, slices: inputs.slices)
                    parts.append(script.diff(from: fragments[key] ?? Ruleset(), to: new))
                    fragments[key] = new.isEmpty ? nil : new
                }
                text = parts.joined()
                summary = "\(snapshot.changed.count) services changed"
            }
            let computed = ContinuousClock.now
            if !text.isEmpty { try await executor.apply(text) }
            let done = ContinuousClock.now
            let now = Date()
            let latencies = snapshot.triggers.map { max(0, now.timeIntervalSince($0.time)) }
            for l in latencies { metrics.observeProgramming(l) }
            let total = seconds(done - start)
            metrics.observeSync(total, full: full)
            sync.withLock { s in
                s.applied = fragments
                s.consecutiveFailures = 0
                s.healthy = true
                s.lastSuccess = now
                if full { s.lastFullSync = start }
            }
            let report = SyncReport(
                full: full, scriptBytes: text.utf8.count, commands: text.isEmpty ? 0 : text.utf8.count(where: { $0 == 10 }),
                computeSeconds: seconds(computed - start), applySeconds: seconds(done - computed),
                summary: summary,
                latencies: latencies)
            logger.info("\(Self.logLine(report, programming: metrics.programmingSamples))")
            if let announcer {
                let wanted = Ruleset.merged(fragments.values).announcedAddresses
                let told = sync.withLock { $0.announced }
                if full || told != wanted {
                    do {
                        try await announcer.announce(wanted)
                        sync.withLock { $0.announced = wanted }
                    } catch {
                        // The rules are in; the addresses are retried with the next sync.
                        sync.withLock { $0.announced = nil; $0.fullRequested = true }
                        logger.error("announcing load-balancer addresses failed: \(error)")
                    }
                }
            }
            if let conntrack {
                // Only the changed Services' flows can differ (all of them after a full sync).
                let keys = full ? Set((previous ?? [:]).keys).union(fragments.keys) : snapshot.changed
                let before = Set(keys.flatMap { previous?[$0]?.udpFlows ?? [] }), after = Set(keys.flatMap { fragments[$0]?.udpFlows ?? [] })
                let filters = UDPFlow.staleFilters(old: before, new: after)
                if !filters.isEmpty { await conntrack.delete(filters) }
            }
            return report
        } catch {
            state.requeue(snapshot)
            metrics.syncFailures.increment()
            sync.withLock { s in
                s.applied = nil
                s.healthy = false
            }
            throw error
        }
    }

    /// The summary line every sync logs.
    static func logLine(_ r: SyncReport, programming: LatencySamples) -> String {
        func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }
        let kind = r.full ? "full" : "partial"
        let what = r.scriptBytes == 0 ? "no changes" : "\(r.commands) commands, \(r.scriptBytes) bytes"
        let changes = r.latencies.isEmpty ? "" : "; \(r.latencies.count) changes programmed, slowest \(ms(r.latencies.max() ?? 0))"
        return "\(kind) sync in \(ms(r.computeSeconds + r.applySeconds)) (compute \(ms(r.computeSeconds)), nft \(ms(r.applySeconds))): "
            + "\(what); \(r.summary)\(changes); network programming latency \(programming.summary)"
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
