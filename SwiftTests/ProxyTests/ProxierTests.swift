import APIMachinery
import Foundation
import Testing
import TestSupport

@testable import Proxy

@Suite struct ProxierTests {
    func loaded(_ exec: RecordingExecutor) -> Proxier {
        let p = Proxier(executor: exec)
        let (services, slices) = Fixtures.smallCluster()
        for s in services { p.state.updateService(s) }
        for s in slices { p.state.updateEndpointSlice(s, timed: false) }
        p.state.markServicesSynced()
        p.state.markEndpointSlicesSynced()
        return p
    }

    @Test func firstSyncIsFullThenOnlyDifferences() async throws {
        let exec = RecordingExecutor()
        let p = loaded(exec)
        let first = try await p.syncOnce()
        #expect(first.full && first.latencies.isEmpty)
        #expect(exec.last?.hasPrefix("add table ip skiff-proxy") == true)

        // Nothing changed: no transaction at all.
        let idle = try await p.syncOnce()
        #expect(!idle.full && idle.scriptBytes == 0 && exec.count == 1)

        // One slice changes, with a trigger time half a second ago: one small transaction, timed from the annotation.
        let trigger = Date().addingTimeInterval(-0.5)
        #expect(p.state.updateEndpointSlice(Fixtures.slice(
            "dns-abc", service: "dns", namespace: "kube-system", ports: [("dns", 53, "UDP")],
            endpoints: [("10.244.0.2", true), ("10.244.1.2", true)], triggerTime: trigger)))
        let second = try await p.syncOnce()
        #expect(!second.full && exec.count == 2)
        #expect(exec.last!.split(separator: "\n").allSatisfy { $0.contains("kube-system/dns/udp/dns") })
        #expect(second.latencies.count == 1)
        // The annotation has whole-second precision; the latency is at least what remains of it.
        #expect(second.latencies[0] >= 0 && second.latencies[0] < 5)
        #expect(p.metrics.programmingSamples.total == 1)

        // A status-only change of the slice (same ready endpoints) is not a change for the proxy.
        #expect(!p.state.updateEndpointSlice(Fixtures.slice(
            "dns-abc", service: "dns", namespace: "kube-system", ports: [("dns", 53, "UDP")],
            endpoints: [("10.244.0.2", true), ("10.244.1.2", true)])))
    }

    @Test func aFailedSyncIsRetriedInFullWithItsChanges() async throws {
        let exec = RecordingExecutor()
        let p = loaded(exec)
        try await p.syncOnce()
        p.state.updateEndpointSlice(Fixtures.slice("web-abc", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.244.0.5", true)]))
        exec.failNext.withLock { $0 = true }
        await #expect(throws: RecordingExecutor.Failure.self) { try await p.syncOnce() }
        #expect(!p.isHealthy && p.appliedRuleset == nil && p.metrics.programmingSamples.total == 0)
        let retry = try await p.syncOnce()
        #expect(retry.full && retry.latencies.count == 1 && p.isHealthy)
        #expect(p.metrics.render().contains("kubeproxy_sync_proxy_rules_nftables_sync_failures_total 1"))
    }

    @Test func theLoopBatchesABurstAndWaitsForBothLists() async throws {
        let exec = RecordingExecutor()
        var options = ProxierOptions()
        options.minSyncPeriod = .milliseconds(300)
        let p = Proxier(options: options, executor: exec)
        let loop = Task { await p.run() }
        defer { loop.cancel() }
        let (services, slices) = Fixtures.smallCluster()
        for s in services { p.state.updateService(s) }
        p.state.markServicesSynced()
        // Stays: a "nothing happened" wait shorter than the 300 ms minimum period: the loop has no signal for "chose not to sync".
        try await Task.sleep(for: .milliseconds(200))
        #expect(exec.count == 0)  // slices not listed yet: nothing may be programmed
        for s in slices { p.state.updateEndpointSlice(s, timed: false) }
        p.state.markEndpointSlicesSynced()
        try await waitFor { exec.count == 1 }
        // Ten changes in quick succession land in at most two transactions (one may start mid-burst).
        for i in 0..<10 {
            p.state.updateEndpointSlice(Fixtures.slice("web-abc", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.244.3.\(i + 1)", true)]))
        }
        try await waitFor { p.metrics.programmingSamples.total == 10 }
        #expect(exec.count <= 3)
        #expect(exec.last!.contains("10.244.3.10"))
    }
}

extension ProxierTests {
    @Test func everySyncPeriodAFullResync() async throws {
        let exec = RecordingExecutor()
        var options = ProxierOptions()
        options.syncPeriod = .milliseconds(300)
        options.minSyncPeriod = .milliseconds(10)
        let p = Proxier(options: options, executor: exec)
        let (services, slices) = Fixtures.smallCluster()
        for s in services { p.state.updateService(s) }
        for s in slices { p.state.updateEndpointSlice(s, timed: false) }
        p.state.markServicesSynced()
        p.state.markEndpointSlicesSynced()
        let loop = Task { await p.run() }
        defer { loop.cancel() }
        try await waitFor { exec.count >= 3 }
        // Nothing changed in between: each of them is a full rewrite, not an empty diff.
        #expect(exec.scripts.withLock { $0 }.prefix(3).allSatisfy { $0.hasPrefix("add table ip skiff-proxy") })
    }
}

/// `eventually` that fails the test when `condition` never held. The patience is for the parallel suite on
/// two cores, not a bound under test: suites that run tools synchronously (PKITests' openssl and curl)
/// hold the two-thread cooperative pool for tens of seconds at a time, and the full suite has starved a
/// 300 ms ticker for 30 s that way.
func waitFor(timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws {
    if try await eventually(timeout: timeout, interval: .milliseconds(20), condition) { return }
    Issue.record("condition not met within \(timeout)")
    throw CancellationError()
}
