import APIMachinery
import Foundation
import Testing
@testable import DNS

#if canImport(Glibc)
import Glibc
#endif

@Suite("DNS server", .serialized)
struct ServerTests {
    func start() async throws -> DNSServer {
        try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: Fixtures.cluster()), listen: ListenAddress("127.0.0.1:0")!)
    }

    func ask(_ server: DNSServer, _ name: String, _ type: DNSRecordType, edns: EDNS? = nil) async throws -> DNSMessage {
        try await DNSProbe.query(DNSMessage.query(id: UInt16.random(in: 1...0xFFFF), name: try DNSName(name), type: type, edns: edns), server: server.address)
    }

    @Test func answersOverUDP() async throws {
        let server = try await start()
        defer { Task { await server.shutdown() } }
        #expect(server.port != 0)
        let a = try await ask(server, "nginx-service.default.svc.cluster.local", .a)
        #expect(a.rcode == .noError && a.answers.map(\.data) == [.a(IPv4Address(10, 96, 12, 34))])
        let srv = try await ask(server, "_dns._udp.kube-dns.kube-system.svc.cluster.local", .srv)
        #expect(srv.answers.map(\.data) == [.srv(priority: 0, weight: 100, port: 53, target: try DNSName("kube-dns.kube-system.svc.cluster.local"))])
        #expect(srv.additional.count == 1)
        let ptr = try await ask(server, "10.0.96.10.in-addr.arpa", .ptr)
        #expect(ptr.answers.map(\.data) == [.ptr(try DNSName("kube-dns.kube-system.svc.cluster.local"))])
        let nx = try await ask(server, "nginx-service.default.svc.cluster.local.default.svc.cluster.local", .a)
        #expect(nx.rcode == .nameError && nx.authority.first?.type == .soa)
        let edns = try await ask(server, "kubernetes.default.svc.cluster.local", .a, edns: EDNS(udpPayloadSize: 4096))
        #expect(edns.edns?.udpPayloadSize == 1232 && edns.answers.count == 1)
    }

    /// Names outside the cluster zone are answered SERVFAIL by the server itself: it has no upstream to
    /// forward to (pod traffic never leaves the machine), so the client is not left to time out.
    @Test func outsideTheZoneIsServFail() async throws {
        let server = try await start()
        defer { Task { await server.shutdown() } }
        for name in ["example.com", "www.google.com", "registry.k8s.io"] {
            let m = try await ask(server, name, .a)
            #expect(m.rcode == .serverFailure && m.answers.isEmpty)
        }
    }

    @Test func malformedDatagramsGetFormErrOrSilenceAndTheServerLives() async throws {
        let server = try await start()
        defer { Task { await server.shutdown() } }
        let socket = try BlockingUDPSocket(server: server.address, timeoutMilliseconds: 300)
        var rng = SplitMix(seed: 77)
        for _ in 0..<100 {  // few enough that our own receive buffer keeps every reply
            let junk = (0..<Int(rng.next() % 80)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = socket.send(junk)
        }
        // A header-only garbage query gets FORMERR with its ID.
        #expect(socket.send([0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0]))
        var buffer = [UInt8](repeating: 0, count: 4096)
        var sawFormErr = false
        while let n = socket.receive(into: &buffer) {
            if n >= 12, buffer[0] == 0xbe, buffer[1] == 0xef { sawFormErr = buffer[3] & 0x0F == 1; break }
        }
        #expect(sawFormErr)
        let ok = try await ask(server, "kubernetes.default.svc.cluster.local", .a)
        #expect(ok.answers.count == 1)
    }

    @Test func tcpCarriesWhatUDPTruncates() async throws {
        let state = ClusterState()
        state.apply(Fixtures.service("default", "big", clusterIP: "None"))
        state.apply(Fixtures.slice("default", "big-1", service: "big", endpoints: (0..<120).map { ("10.244.1.\($0)", nil, true) }))
        let server = try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: state), listen: ListenAddress("127.0.0.1:0")!)
        defer { Task { await server.shutdown() } }
        let udp = try await ask(server, "big.default.svc.cluster.local", .a)
        #expect(udp.header.truncated && udp.answers.count < 120)

        // Two queries back to back on one connection, each framed by its length.
        let query = try DNSMessage.query(id: 0x4242, name: DNSName("big.default.svc.cluster.local"), type: .a).encode()
        let answers: [DNSMessage] = try await Task.detached {
            let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = server.port.bigEndian
            sa.sin_addr.s_addr = UInt32(0x7f000001).bigEndian
            let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0 else { throw DNSProbe.Timeout() }
            let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            let twice = framed + framed
            _ = twice.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            var stream: [UInt8] = []
            var out: [DNSMessage] = []
            var buf = [UInt8](repeating: 0, count: 8192)
            while out.count < 2 {
                let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw DNSProbe.Timeout() }
                stream += buf[0..<n]
                while stream.count >= 2, stream.count >= 2 + (Int(stream[0]) << 8 | Int(stream[1])) {
                    let len = Int(stream[0]) << 8 | Int(stream[1])
                    out.append(try DNSMessage(decoding: Array(stream[2..<(2 + len)])))
                    stream.removeFirst(2 + len)
                }
            }
            return out
        }.value
        #expect(answers.count == 2)
        #expect(answers.allSatisfy { $0.header.id == 0x4242 && !$0.header.truncated && $0.answers.count == 120 })
    }
}

/// Runs the server with its sockets inside a fresh network namespace, as `skiff dns --netns` does on a
/// node. Needs root and iproute2; skipped otherwise.
@Suite("DNS server in a network namespace", .serialized)
struct NetnsServerTests {
    static var canCreateNamespaces: Bool {
        geteuid() == 0 && ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @discardableResult
    static func sh(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: canCreateNamespaces)) func servesInsideTheNamespaceOnly() async throws {
        let name = "skiff-dnstest-\(UInt32.random(in: 0...UInt32.max))"
        try #require(try Self.sh(["ip", "netns", "add", name]).0 == 0)
        defer { _ = try? Self.sh(["ip", "netns", "delete", name]) }
        try #require(try Self.sh(["ip", "-n", name, "link", "set", "lo", "up"]).0 == 0)
        try #require(try Self.sh(["ip", "-n", name, "addr", "add", "172.31.254.2/32", "dev", "lo"]).0 == 0)

        let server = try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: Fixtures.cluster()),
                                               listen: ListenAddress("172.31.254.2:53")!, netnsPath: "/run/netns/\(name)")
        defer { Task { await server.shutdown() } }

        // From a thread inside the namespace.
        let m = try await DNSProbe.query(DNSMessage.query(id: 7, name: try DNSName("kube-dns.kube-system.svc.cluster.local"), type: .a),
                                         server: server.address, netnsPath: "/run/netns/\(name)")
        #expect(m.answers.map(\.data) == [.a(IPv4Address(10, 96, 0, 10))])

        // With busybox's nslookup run inside the namespace, as a pod's tools would.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/busybox") || FileManager.default.isExecutableFile(atPath: "/bin/busybox") {
            let (status, out) = try await Task.detached {
                try Self.sh(["timeout", "10", "ip", "netns", "exec", name, "busybox", "nslookup", "nginx-service.default.svc.cluster.local", "172.31.254.2"])
            }.value
            #expect(status == 0, "\(out)")
            #expect(out.contains("10.96.12.34"), "\(out)")
        }

        // The sockets live in the namespace, not in the root one (checked through /proc rather than by
        // sending from the root namespace, whose default route leads off the machine).
        let udpLine = "02FE1FAC:0035"  // 172.31.254.2:53, as /proc/net/udp prints it
        let inside = try Self.sh(["ip", "netns", "exec", name, "cat", "/proc/net/udp", "/proc/net/tcp"]).1
        #expect(inside.components(separatedBy: udpLine).count == 3, "\(inside)")  // one UDP, one TCP
        let outside = try String(contentsOfFile: "/proc/self/net/udp", encoding: .utf8) + String(contentsOfFile: "/proc/self/net/tcp", encoding: .utf8)
        #expect(!outside.contains(udpLine))
    }
}
