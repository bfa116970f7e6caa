import Testing
@testable import DNS

@Suite("Service shorthand (svc.ns asked as written)")
struct ServiceShorthandTests {
    let resolver = ClusterResolver(config: .standard, state: Fixtures.cluster())

    @Test func namespaceQualifiedServiceGetsACNAMEAndItsAddress() throws {
        let outcome = resolver.lookup(DNSQuestion(name: try DNSName("kubernetes.default"), type: .a))
        guard case .answer(let records, _) = outcome else { Issue.record("no answer: \(outcome)"); return }
        #expect(records.first?.data == .cname(try DNSName("kubernetes.default.svc.cluster.local")))
        #expect(records.contains { if case .a = $0.data { return true }; return false })
    }

    @Test func otherTwoLabelNamesStayOutside() throws {
        #expect(resolver.lookup(DNSQuestion(name: try DNSName("nosuch.default"), type: .a)) == .notAuthoritative)
        #expect(resolver.lookup(DNSQuestion(name: try DNSName("example.com"), type: .a)) == .notAuthoritative)
    }
}

@Suite("StatefulSet pod names under their Service")
struct StatefulPodNameTests {
    let state: ClusterState = {
        let s = Fixtures.cluster()
        // A headless Service publishing not-ready addresses, and a not-ready endpoint of it.
        var svc = Fixtures.service("default", "peers", clusterIP: "None", ports: [("gossip", 7946, "UDP")])
        svc[path: ["spec", "publishNotReadyAddresses"]] = true
        s.apply(svc)
        s.apply(Fixtures.slice("default", "peers-1", service: "peers", endpoints: [("10.244.4.4", "peer-0", false)],
                               ports: [("gossip", 7946, "UDP")]))
        return s
    }()
    var resolver: ClusterResolver { ClusterResolver(config: .standard, state: state) }

    func addresses(_ o: ClusterResolver.Outcome) -> [String] {
        guard case .answer(let records, _) = o else { return [] }
        return records.compactMap { if case .a(let a) = $0.data { return a.description }; return nil }
    }

    @Test func hostnameDotServiceResolvesThroughItsNamespace() throws {
        let o = resolver.lookup(DNSQuestion(name: try DNSName("db-1.db"), type: .a))
        guard case .answer(let records, _) = o else { Issue.record("no answer: \(o)"); return }
        #expect(records.first?.data == .cname(try DNSName("db-1.db.default.svc.cluster.local")))
        #expect(addresses(o) == ["10.244.2.6"])
        // Not ready and not published: nothing.
        #expect(resolver.lookup(DNSQuestion(name: try DNSName("db-2.db"), type: .a)) == .notAuthoritative)
    }

    @Test func publishNotReadyAddressesAnswersNotReadyEndpoints() throws {
        #expect(addresses(resolver.lookup(DNSQuestion(name: try DNSName("peers.default.svc.cluster.local"), type: .a))) == ["10.244.4.4"])
        #expect(addresses(resolver.lookup(DNSQuestion(name: try DNSName("peer-0.peers.default.svc.cluster.local"), type: .a))) == ["10.244.4.4"])
        let srv = resolver.lookup(DNSQuestion(name: try DNSName("_gossip._udp.peers.default.svc.cluster.local"), type: .srv))
        guard case .answer(let records, let extra) = srv else { Issue.record("no SRV: \(srv)"); return }
        #expect(records.map(\.data) == [.srv(priority: 0, weight: 100, port: 7946, target: try DNSName("peer-0.peers.default.svc.cluster.local"))])
        #expect(extra.count == 1)
    }
}
