import APIMachinery
import Testing
import TestSupport
@testable import DNS

/// CoreDNS's prometheus plugin metrics, counted by queries to a running server.
@Suite("DNS metrics", .serialized)
struct DNSMetricsTests {
    @Test func requestsResponsesAndDurationsByCoreDNSLabels() async throws {
        let metrics = DNSMetrics()
        let server = try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: Fixtures.cluster()),
                                               listen: ListenAddress("127.0.0.1:0")!, metrics: metrics)
        defer { Task { await server.shutdown() } }
        func ask(_ name: String, _ type: DNSRecordType) async throws -> DNSMessage {
            try await DNSProbe.query(DNSMessage.query(id: UInt16.random(in: 1...0xFFFF), name: try DNSName(name), type: type), server: server.address)
        }
        let serverLabel = "dns://:\(server.port)"
        let before = PrometheusSamples(metrics.render())
        #expect(before.series("coredns_dns_requests_total").isEmpty)

        #expect(try await ask("kubernetes.default.svc.cluster.local", .a).rcode == .noError)
        #expect(try await ask("kubernetes.default.svc.cluster.local", .a).rcode == .noError)
        #expect(try await ask("nosuch.default.svc.cluster.local", .aaaa).rcode == .nameError)
        #expect(try await ask("example.com", .mx).rcode == .serverFailure)
        #expect(try await ask("kubernetes.default.svc.cluster.local", DNSRecordType(rawValue: 99)).rcode == .noError)

        let s = PrometheusSamples(metrics.render())
        let common = ["server": serverLabel, "zone": ".", "view": "", "proto": "udp", "family": "1"]
        #expect(s.value("coredns_dns_requests_total", common.merging(["type": "A"]) { a, _ in a }) == 2)
        #expect(s.value("coredns_dns_requests_total", common.merging(["type": "AAAA"]) { a, _ in a }) == 1)
        #expect(s.value("coredns_dns_requests_total", common.merging(["type": "MX"]) { a, _ in a }) == 1)
        #expect(s.value("coredns_dns_requests_total", common.merging(["type": "other"]) { a, _ in a }) == 1)
        #expect(s.value("coredns_dns_responses_total", ["rcode": "NOERROR", "plugin": "kubernetes"]) == 3)
        #expect(s.value("coredns_dns_responses_total", ["rcode": "NXDOMAIN", "plugin": "kubernetes"]) == 1)
        #expect(s.value("coredns_dns_responses_total", ["rcode": "SERVFAIL", "plugin": ""]) == 1)
        #expect(s.value("coredns_dns_request_duration_seconds_count", ["server": serverLabel, "zone": "."]) == 5)
        #expect(s.series("coredns_dns_request_duration_seconds_bucket").count == 17)  // 16 buckets and +Inf
        #expect(s.help["coredns_dns_requests_total"] == "Counter of DNS requests made per zone, protocol and family.")
        #expect(s.types["coredns_dns_responses_total"] == "counter")
    }

    @Test func bucketsAndTypeLabelsAreCoreDNSs() {
        #expect(DNSMetrics.durationBuckets.first == 0.00025 && DNSMetrics.durationBuckets.count == 16)
        #expect(DNSMetrics.durationBuckets.last == 8.192)
        #expect(DNSMetrics.typeLabel(.srv) == "SRV" && DNSMetrics.typeLabel(.opt) == "other" && DNSMetrics.typeLabel(nil) == "other")
    }
}
