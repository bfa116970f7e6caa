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
