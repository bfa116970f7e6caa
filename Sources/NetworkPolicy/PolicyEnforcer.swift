import APIMachinery
import Client
import Foundation
import Logging
import Proxy
import Synchronization

/// Keeps one node's `ip skiff-policy` table equal to what the NetworkPolicies, Pods and Namespaces say.
/// Every change wakes one loop, which waits `minSyncPeriod` for a burst to settle, recompiles everything
/// (cheap next to an `nft` call) and, when the result differs from the last table applied, writes only the
/// difference in one transaction (the whole table on the first sync and after a failure: rewriting a
/// 1,000-policy table per change took seconds, docs/benchmarks.md). Run inside `skiff proxy` on each node
/// (`--enforce-network-policy`).
public final class PolicyEnforcer: Sendable {
    public static let networkPolicies = ResourcePath(group: "networking.k8s.io", resource: "networkpolicies")

    let client: KubeClient
    let compiler: PolicyCompiler
    let executor: any NFTablesExecutor
    let minSyncPeriod: Duration
    let logger: Logger
    let pods: Informer
    let namespaces: Informer
    let policies: Informer
    let wake: AsyncStream<Void>.Continuation
    let wakes: AsyncStream<Void>
    /// The table as last applied; nil before the first sync and after a failed one.
    let applied = Mutex<PolicyCompiler.Output?>(nil)

    public init(client: KubeClient, nodeName: String, executor: any NFTablesExecutor, minSyncPeriod: Duration = .milliseconds(100),
                logger: Logger = Logger(label: "network-policy")) {
        self.client = client
        compiler = PolicyCompiler(nodeName: nodeName)
        self.executor = executor
        self.minSyncPeriod = minSyncPeriod
        self.logger = logger
        pods = Informer(client: client, resource: .pods, logger: logger)
        namespaces = Informer(client: client, resource: .namespaces, logger: logger)
        policies = Informer(client: client, resource: Self.networkPolicies, logger: logger)
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let wake = self.wake
        for i in [pods, namespaces, policies] {
            i.addHandler(InformerHandlerFunctions(onAdd: { _, _ in wake.yield() }, onUpdate: { _, _ in wake.yield() }, onDelete: { _ in wake.yield() }))
        }
    }

    /// What the caches hold now, compiled.
    public func desiredOutput() -> PolicyCompiler.Output {
        let nsLabels = Dictionary(namespaces.store.list().compactMap { n -> (String, [String: String])? in
            guard let name = n[path: ["metadata", "name"]]?.string else { return nil }
            return (name, (n[path: ["metadata", "labels"]]?.object ?? [:]).compactMapValues(\.string))
        }, uniquingKeysWith: { a, _ in a })
        return compiler.compile(policies: policies.store.list().compactMap(PolicyInfo.from),
                                pods: pods.store.list().compactMap(PolicyPod.from), namespaces: nsLabels)
    }

    /// The whole table for what the caches hold now.
    public func desiredScript() -> String { compiler.script(desiredOutput()) }

    /// Brings the table to what the caches say if it changed; true when something was written. The first
    /// sync, and the one after a failed apply, replaces the whole table; the others change only what
    /// differs from the last table applied (`PolicyCompiler.updateScript`).
    @discardableResult
    public func syncOnce() async throws -> Bool {
        let desired = desiredOutput()
        let last = applied.withLock { $0 }
        if last == desired { return false }
        let script = last.map { compiler.updateScript(from: $0, to: desired) } ?? compiler.script(desired)
        do {
            try await executor.apply(script)
        } catch {
            applied.withLock { $0 = nil }
            throw error
        }
        applied.withLock { $0 = desired }
        return true
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for i in [pods, namespaces, policies] { group.addTask { await i.run() } }
            group.addTask { await self.loop() }
            await group.next()
            group.cancelAll()
        }
    }

    func loop() async {
        for i in [pods, namespaces, policies] { guard await i.waitForSync() else { return } }
        wake.yield()
        var failures = 0
        for await _ in wakes {
            do {
                let start = ContinuousClock.now
                if try await syncOnce() {
                    logger.info("network policies programmed in \(ContinuousClock.now - start)")
                }
                failures = 0
                try await Task.sleep(for: minSyncPeriod)
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                logger.error("programming network policies failed: \(error)")
                let wake = self.wake
                let delay = Duration.milliseconds(100 * (1 << min(failures, 6)))
                Task {
                    try? await Task.sleep(for: delay)
                    wake.yield()
                }
            }
        }
    }
}
