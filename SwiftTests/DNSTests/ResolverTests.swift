import APIMachinery
import Testing
@testable import DNS

/// Fixture objects as the API server would return them.
enum Fixtures {
    static func namespace(_ name: String) -> JSON { ["kind": "Namespace", "metadata": ["name": .string(name)]] }

    static func service(_ ns: String, _ name: String, clusterIP: String, ports: [(String, Int, String)] = [("http", 80, "TCP")]) -> JSON {
        ["kind": "Service", "metadata": ["name": .string(name), "namespace": .string(ns)],
         "spec": ["type": "ClusterIP", "clusterIP": .string(clusterIP), "clusterIPs": [.string(clusterIP)],
                  "ports": .array(ports.map { ["name": .string($0.0), "port": .int(Int64($0.1)), "protocol": .string($0.2)] })]]
    }

    static func externalName(_ ns: String, _ name: String, _ target: String) -> JSON {
        ["kind": "Service", "metadata": ["name": .string(name), "namespace": .string(ns)],
         "spec": ["type": "ExternalName", "externalName": .string(target)]]
    }

    static func slice(_ ns: String, _ name: String, service: String, endpoints: [(ip: String, hostname: String?, ready: Bool)],
                      ports: [(String, Int, String)] = [("http", 80, "TCP")]) -> JSON {
        ["kind": "EndpointSlice", "addressType": "IPv4",
         "metadata": ["name": .string(name), "namespace": .string(ns), "labels": ["kubernetes.io/service-name": .string(service)]],
         "endpoints": .array(endpoints.map { e in
             var o: JSON = ["addresses": [.string(e.ip)], "conditions": ["ready": .bool(e.ready)]]
             if let h = e.hostname { o["hostname"] = .string(h) }
             return o
         }),
         "ports": .array(ports.map { ["name": .string($0.0), "port": .int(Int64($0.1)), "protocol": .string($0.2)] })]
    }

    static func pod(_ ns: String, _ name: String, ip: String) -> JSON {
        ["kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(ns)], "status": ["podIP": .string(ip), "podIPs": [["ip": .string(ip)]]]]
    }

    /// kube-dns and nginx (ClusterIP), a headless StatefulSet-style service, an ExternalName, pods.
    static func cluster() -> ClusterState {
        let s = ClusterState()
        for o in [
            namespace("default"), namespace("kube-system"),
            service("default", "kubernetes", clusterIP: "10.96.0.1", ports: [("https", 443, "TCP")]),
            service("kube-system", "kube-dns", clusterIP: "10.96.0.10", ports: [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]),
            service("default", "nginx-service", clusterIP: "10.96.12.34"),
            service("default", "db", clusterIP: "None", ports: [("pg", 5432, "TCP")]),
            slice("default", "db-abc", service: "db", endpoints: [("10.244.1.5", "db-0", true), ("10.244.2.6", "db-1", true), ("10.244.1.9", "db-2", false)],
                  ports: [("pg", 5432, "TCP")]),
            service("default", "empty", clusterIP: "None"),
            slice("default", "nginx-xyz", service: "nginx-service", endpoints: [("10.244.1.7", nil, true)]),
            externalName("default", "search", "www.example.com"),
            pod("default", "nginx-1", ip: "10.244.1.7"),
            pod("default", "db-0", ip: "10.244.1.5"),
            pod("kube-system", "lonely", ip: "10.244.3.3"),
        ] { s.apply(o) }
        return s
    }
}

@Suite("Cluster resolver")
struct ResolverTests {
    let resolver = ClusterResolver(config: .standard, state: Fixtures.cluster())

    func ask(_ name: String, _ type: DNSRecordType) throws -> DNSMessage {
        let q = DNSMessage.query(id: 42, name: try DNSName(name), type: type)
        return try #require(resolver.respond(to: q))
    }

    func data(_ m: DNSMessage) -> [String] {
        m.answers.map { rr -> String in
            switch rr.data {
            case .a(let a): return a.description
            case .aaaa(let a): return a.description
            case .cname(let n), .ptr(let n), .ns(let n): return n.description
            case .srv(let p, let w, let port, let t): return "\(p) \(w) \(port) \(t)"
            case .txt(let s): return s.map { String(decoding: $0, as: UTF8.self) }.joined()
            default: return "?"
            }
        }
    }

    func isNoData(_ m: DNSMessage) -> Bool {
        m.rcode == .noError && m.answers.isEmpty && m.authority.first?.type == .soa
    }

    @Test func clusterIPServiceA() throws {
        let m = try ask("nginx-service.default.svc.cluster.local", .a)
        #expect(m.rcode == .noError && m.header.authoritative && m.header.isResponse && m.header.id == 42)
        #expect(data(m) == ["10.96.12.34"])
        #expect(m.answers[0].ttl == 5)
        // Case-insensitive, and the question is echoed as asked.
        let upper = try ask("NGINX-Service.Default.SVC.cluster.LOCAL", .a)
        #expect(data(upper) == ["10.96.12.34"])
        #expect(upper.questions[0].name.description == "NGINX-Service.Default.SVC.cluster.LOCAL.")
    }

    @Test func existingNameOtherTypeIsNoData() throws {
        #expect(isNoData(try ask("nginx-service.default.svc.cluster.local", .aaaa)))
        #expect(isNoData(try ask("nginx-service.default.svc.cluster.local", .txt)))
        #expect(isNoData(try ask("default.svc.cluster.local", .a)))
        #expect(isNoData(try ask("svc.cluster.local", .a)))
        #expect(isNoData(try ask("cluster.local", .a)))
        let soa = try #require(try ask("nginx-service.default.svc.cluster.local", .aaaa).authority.first)
        guard case .soa(let s) = soa.data else { Issue.record("no SOA"); return }
        #expect(soa.name.description == "cluster.local." && s.minimum == 5 && s.mname.description == "ns.dns.cluster.local.")
    }

    @Test func missingNamesAreNXDomain() throws {
        for name in ["nope.default.svc.cluster.local", "nginx-service.nope.svc.cluster.local", "foo.cluster.local",
                     "x.y.nginx-service.default.svc.cluster.local",
                     // ndots:5 search-path expansions
                     "nginx-service.default.svc.cluster.local.default.svc.cluster.local",
                     "nginx-service.default.svc.cluster.local.svc.cluster.local",
                     "nginx-service.default.svc.cluster.local.cluster.local"] {
            let m = try ask(name, .a)
            #expect(m.rcode == .nameError, "\(name)")
            #expect(m.authority.first?.type == .soa, "\(name)")
        }
    }

    @Test func headlessServiceAnswersReadyEndpoints() throws {
        #expect(Set(data(try ask("db.default.svc.cluster.local", .a))) == ["10.244.1.5", "10.244.2.6"])
        #expect(data(try ask("db-0.db.default.svc.cluster.local", .a)) == ["10.244.1.5"])
        // Not ready: no record.
        #expect(try ask("db-2.db.default.svc.cluster.local", .a).rcode == .nameError)
        // No ready endpoints at all: NXDOMAIN (the specification).
        #expect(try ask("empty.default.svc.cluster.local", .a).rcode == .nameError)
        // An endpoint without hostname is reachable by its dashed address.
        #expect(data(try ask("10-244-1-7.nginx-service.default.svc.cluster.local", .a)) == ["10.244.1.7"])
    }

    @Test func srvRecords() throws {
        let m = try ask("_dns._udp.kube-dns.kube-system.svc.cluster.local", .srv)
        #expect(data(m) == ["0 100 53 kube-dns.kube-system.svc.cluster.local."])
        #expect(m.additional.map(\.name.description) == ["kube-dns.kube-system.svc.cluster.local."])
        #expect(data(try ask("_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local", .srv)) == ["0 100 53 kube-dns.kube-system.svc.cluster.local."])
        #expect(try ask("_dns._tcp.kube-dns.kube-system.svc.cluster.local", .srv).rcode == .nameError)
        // Plain name: one SRV per port.
        #expect(try ask("kube-dns.kube-system.svc.cluster.local", .srv).answers.count == 3)
        // Headless: one per ready endpoint, targets are the endpoint names with their addresses as glue.
        let h = try ask("_pg._tcp.db.default.svc.cluster.local", .srv)
        #expect(Set(data(h)) == ["0 50 5432 db-0.db.default.svc.cluster.local.", "0 50 5432 db-1.db.default.svc.cluster.local."])
        #expect(Set(h.additional.map { "\($0.name) \($0.data)" }).count == 2)
        // The port/proto A form answers the ClusterIP.
        #expect(data(try ask("_https._tcp.kubernetes.default.svc.cluster.local", .a)) == ["10.96.0.1"])
    }

    @Test func ptrForServicesEndpointsAndPods() throws {
        #expect(data(try ask("10.0.96.10.in-addr.arpa", .ptr)) == ["kube-dns.kube-system.svc.cluster.local."])
        #expect(data(try ask("5.1.244.10.in-addr.arpa", .ptr)) == ["db-0.db.default.svc.cluster.local."])
        #expect(data(try ask("7.1.244.10.in-addr.arpa", .ptr)) == ["10-244-1-7.nginx-service.default.svc.cluster.local."])
        #expect(data(try ask("3.3.244.10.in-addr.arpa", .ptr)) == ["10-244-3-3.kube-system.pod.cluster.local."])
        // Unknown address: not ours, fails fast.
        #expect(try ask("9.9.9.9.in-addr.arpa", .ptr).rcode == .serverFailure)
    }

    @Test func podRecords() throws {
        #expect(data(try ask("10-244-1-7.default.pod.cluster.local", .a)) == ["10.244.1.7"])
        #expect(try ask("10-244-1-300.default.pod.cluster.local", .a).rcode == .nameError)
        #expect(try ask("10-244-1-7.nope.pod.cluster.local", .a).rcode == .nameError)
        var verified = ResolverConfig.standard
        verified.podMode = .verified
        let v = ClusterResolver(config: verified, state: resolver.state)
        let q = { (n: String) in v.respond(to: DNSMessage.query(id: 1, name: try! DNSName(n), type: .a))! }
        #expect(q("10-244-1-7.default.pod.cluster.local").answers.count == 1)
        #expect(q("10-244-9-9.default.pod.cluster.local").rcode == .nameError)
        #expect(q("10-244-3-3.default.pod.cluster.local").rcode == .nameError)  // wrong namespace
        var disabled = ResolverConfig.standard
        disabled.podMode = .disabled
        let d = ClusterResolver(config: disabled, state: resolver.state)
        #expect(d.respond(to: DNSMessage.query(id: 1, name: try DNSName("10-244-1-7.default.pod.cluster.local"), type: .a))!.rcode == .nameError)
    }

    @Test func externalNameIsCNAME() throws {
        let m = try ask("search.default.svc.cluster.local", .a)
        #expect(m.rcode == .noError && data(m) == ["www.example.com."] && m.answers[0].type == .cname)
        #expect(isNoData(try ask("search.default.svc.cluster.local", .srv)))
    }

    @Test func zoneApexAndVersion() throws {
        #expect(try ask("cluster.local", .soa).answers.first?.type == .soa)
        #expect(data(try ask("cluster.local", .ns)) == ["ns.dns.cluster.local."])
        #expect(data(try ask("dns-version.cluster.local", .txt)) == ["1.1.0"])
    }

    @Test func outsideTheZoneFailsAtOnce() throws {
        let m = try ask("example.com", .a)
        #expect(m.rcode == .serverFailure && m.answers.isEmpty && !m.header.authoritative)
        var refusing = ResolverConfig.standard
        refusing.outOfZone = .refused
        let r = ClusterResolver(config: refusing, state: resolver.state)
        #expect(r.respond(to: DNSMessage.query(id: 1, name: try DNSName("example.com"), type: .a))?.rcode == .refused)
    }

    @Test func changesShowUpAndGoAway() throws {
        let s = Fixtures.cluster()
        let r = ClusterResolver(config: .standard, state: s)
        let q = { (n: String) in r.respond(to: DNSMessage.query(id: 1, name: try! DNSName(n), type: .a))! }
        s.apply(Fixtures.service("default", "late", clusterIP: "10.96.7.7"))
        #expect(q("late.default.svc.cluster.local").answers.count == 1)
        s.deleteService(namespace: "default", name: "late")
        #expect(q("late.default.svc.cluster.local").rcode == .nameError)
        s.deleteEndpointSlice(namespace: "default", name: "db-abc")
        #expect(q("db.default.svc.cluster.local").rcode == .nameError)
        #expect(r.respond(to: DNSMessage.query(id: 1, name: try DNSName("5.1.244.10.in-addr.arpa"), type: .ptr))!.answers.map(\.data)
            == [.ptr(try DNSName("10-244-1-5.default.pod.cluster.local"))])
        s.deleteNamespace("default")
        #expect(q("nginx-service.default.svc.cluster.local").rcode == .nameError)
    }

    @Test func protocolErrors() throws {
        var q = DNSMessage.query(id: 9, name: try DNSName("nginx-service.default.svc.cluster.local"), type: .a)
        q.header.opcode = 2
        #expect(resolver.respond(to: q)?.rcode == .notImplemented)
        q.header.opcode = 0
        q.questions = []
        #expect(resolver.respond(to: q)?.rcode == .formatError)
        q.header.isResponse = true
        #expect(resolver.respond(to: q) == nil)
        var v1 = DNSMessage.query(id: 9, name: try DNSName("x.cluster.local"), type: .a, edns: EDNS(udpPayloadSize: 1232))
        v1.edns!.version = 1
        #expect(resolver.respond(to: v1)?.rcode == .badVersion)
        // Garbage with a header: FORMERR carrying the ID; shorter than a header: silence.
        let formerr = try #require(resolver.respond(toPacket: [0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xff], overUDP: true))
        let fm = try DNSMessage(decoding: formerr)
        #expect(fm.header.id == 0x1234 && fm.rcode == .formatError && fm.header.isResponse)
        #expect(resolver.respond(toPacket: [1, 2, 3], overUDP: true) == nil)
    }

    @Test func udpAnswersAreTruncatedToTheClientsSize() throws {
        let s = ClusterState()
        s.apply(Fixtures.service("default", "big", clusterIP: "None"))
        s.apply(Fixtures.slice("default", "big-1", service: "big",
                               endpoints: (0..<100).map { ("10.244.0.\($0)", nil, true) }))
        let r = ClusterResolver(config: .standard, state: s)
        let query = try DNSMessage.query(id: 5, name: DNSName("big.default.svc.cluster.local"), type: .a).encode()
        let udp = try DNSMessage(decoding: try #require(r.respond(toPacket: query, overUDP: true)))
        #expect(udp.header.truncated && udp.answers.count < 100)
        let tcp = try DNSMessage(decoding: try #require(r.respond(toPacket: query, overUDP: false)))
        #expect(!tcp.header.truncated && tcp.answers.count == 100)
        let edns = try DNSMessage.query(id: 5, name: DNSName("big.default.svc.cluster.local"), type: .a, edns: EDNS(udpPayloadSize: 4096)).encode()
        let big = try #require(r.respond(toPacket: edns, overUDP: true))
        #expect(big.count <= 1232)
        let e = try DNSMessage(decoding: big)
        #expect(e.header.truncated && e.answers.count > udp.answers.count && e.edns?.udpPayloadSize == 1232)
    }
}
