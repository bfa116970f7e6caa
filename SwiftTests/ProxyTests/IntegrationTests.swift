import APIMachinery
import Foundation
import Testing

@testable import Proxy

/// Against the real nft, in temporary network namespaces (root only).
@Suite(.enabled(if: Root.available), .timeLimit(.minutes(2)))
struct IntegrationTests {
    func proxier(_ ns: TestNetns) -> Proxier {
        let p = Proxier(executor: NFTCommand(netns: ns.name))
        let (services, slices) = Fixtures.smallCluster()
        for s in services { p.state.updateService(s) }
        for s in slices { p.state.updateEndpointSlice(s, timed: false) }
        p.state.markServicesSynced()
        p.state.markEndpointSlicesSynced()
        return p
    }

    func list(_ ns: TestNetns) async throws -> JSON {
        try #require(try await NFTCommand(netns: ns.name).listTable(layout: TableLayout()))
    }

    @Test func rulesLoadAndDiffsReachTheSameStateAsAFullSync() async throws {
        try await withNetns(2) { ns in
            let p = proxier(ns[0])
            try await p.syncOnce()
            let table = try await list(ns[0])
            let state = TableState(table)
            let web = ServicePortInfo(namespace: "default", name: "web", portName: "http", clusterIP: "10.96.0.10", port: 80)
            #expect(state.chains[ChainNames.serviceChain(web)]?.count == 1)
            #expect(state.chains["nat-prerouting"]?.count == 1 && state.chains["reject-chain"]?.count == 2)
            #expect(state.elements["service-ips"]?.count == 4)
            #expect(state.elements["no-endpoint-services"]?.count == 1)
            #expect(state.elements["no-endpoint-nodeports"]?.count == 1)
            #expect(state.elements["cluster-ips"]?.count == 5)
            #expect(state.sets.keys.filter(ChainNames.isAffinitySet).count == 2)

            // A series of partial syncs: endpoints change, a service loses all, one is deleted, one added.
            p.state.updateEndpointSlice(Fixtures.slice("web-abc", service: "web", ports: [("http", 8080, "TCP")], endpoints: [("10.244.1.4", true)]))
            #expect(try await !p.syncOnce().full)
            p.state.updateEndpointSlice(Fixtures.slice("np-abc", service: "np", ports: [("http", 80, "TCP")], endpoints: []))
            p.state.deleteService(key: "default/sticky")
            p.state.updateService(Fixtures.service("new", clusterIP: "10.96.0.20", ports: [("", 81, "UDP", nil)], affinityTimeout: 5))
            p.state.updateEndpointSlice(Fixtures.slice("new-1", service: "new", ports: [("", 9000, "UDP")], endpoints: [("10.244.2.2", true)]))
            let partial = try await p.syncOnce()
            #expect(!partial.full && partial.scriptBytes > 0)
            let afterDiffs = TableState(try await list(ns[0]))

            // The same final state written in one full sync elsewhere lists identically.
            let fresh = Proxier(executor: NFTCommand(netns: ns[1].name))
            fresh.state.markServicesSynced()
            fresh.state.markEndpointSlicesSynced()
            for s in p.state.state.withLock({ $0.services }) { fresh.state.setService(s.key, s.value) }
            for s in p.state.state.withLock({ $0.slices }) { _ = fresh.state.setSlice(s.key, s.value, trigger: nil) }
            try await fresh.syncOnce()
            let afterFull = TableState(try await list(ns[1]))
            #expect(afterDiffs == afterFull)
            #expect(afterDiffs.sets.keys.filter(ChainNames.isAffinitySet).count == 1)

            // A full resync sweeps objects left behind (say by a proxy that crashed mid-way) and repairs edits.
            try await ns[0].exec(["nft", "-f", "-"], input: Data("""
                add chain ip skiff-proxy service-AAAAAAAA-old/gone/tcp/http
                add rule ip skiff-proxy service-AAAAAAAA-old/gone/tcp/http drop
                add set ip skiff-proxy affinity-AAAAAAAA-old/gone/tcp/http__10.0.0.1/80 { type ipv4_addr; flags dynamic,timeout; timeout 5s; }
                flush chain ip skiff-proxy services
                """.utf8))
            #expect(try await p.syncOnce(forceFull: true).full)
            #expect(TableState(try await list(ns[0])) == afterFull)
        }
    }
}
