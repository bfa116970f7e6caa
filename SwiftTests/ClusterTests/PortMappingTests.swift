import APIMachinery
import Foundation
import Testing

@testable import Cluster

@Suite struct PortMappingTests {
    @Test func acceptsTheDocumentedForms() throws {
        #expect(try PortMapping.parse("8080:30080") == PortMapping(hostPort: 8080, nodePort: 30080, proto: .tcp))
        #expect(try PortMapping.parse("5353:30053/udp") == PortMapping(hostPort: 5353, nodePort: 30053, proto: .udp))
        #expect(try PortMapping.parse("1:65535/TCP") == PortMapping(hostPort: 1, nodePort: 65535, proto: .tcp))
    }

    @Test(arguments: [
        "", ":", "8080", "8080:", ":30080", "0:30080", "8080:0", "65536:1", "1:65536", "-1:80", "+1:80", " 1:80", "1:80 ",
        "1:80/", "1:80/sctp", "1:80/tcp/udp", "1:2:3", "a:80", "1:8o", "99999999999999999999:80", "1.5:80", "１:80", "1:80//tcp",
    ])
    func rejectsAnythingElse(_ text: String) {
        #expect(throws: PortMapping.ParseError.self) { try PortMapping.parse(text) }
    }

    /// Fuzz: random strings over the flag's alphabet never crash the parser, and whatever it accepts is
    /// a valid mapping that prints back to an equivalent flag.
    @Test func randomInputEitherParsesToAValidMappingOrIsRefused() throws {
        var rng = SplitMix64(seed: 0x5EED_0016)
        let alphabet = Array("0123456789:/tcpudTCPUD -+x\u{0}é٣")
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 14)
            let text = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            guard let m = try? PortMapping.parse(text) else { continue }
            accepted += 1
            #expect((1...65535).contains(m.hostPort) && (1...65535).contains(m.nodePort))
            #expect(try PortMapping.parse("\(m.hostPort):\(m.nodePort)/\(m.proto.rawValue)") == m)
        }
        #expect(accepted > 0)
    }

    @Test func duplicatesAreSameAddressPortAndProtocol() {
        let a = PortMapping(hostPort: 80, nodePort: 30080), b = PortMapping(hostPort: 80, nodePort: 30081)
        let c = PortMapping(hostPort: 80, nodePort: 30080, proto: .udp)
        #expect(PortMapping.duplicates([a, c]).isEmpty)
        #expect(PortMapping.duplicates([a, c, b]) == [b])
    }

    @Test func publishersDialTheNodeFromItsNamespace() {
        let paths = ClusterPaths(name: "pp")
        let node = NodeLayout(cluster: "pp", name: "pp-worker", index: 1, clusterRoot: paths.root)
        let c = ClusterComponents.portPublisher(PortMapping(hostPort: 8080, nodePort: 30080, node: 1), node: node, paths: paths)
        #expect(c.name == "port-tcp-8080")
        #expect(c.arguments == ["port-publisher", "--listen", "127.0.0.1:8080", "--protocol", "tcp", "--netns", "/run/netns/skiff-pp-worker",
                                "--target", "172.30.0.3:30080", "--cluster-root", paths.root.path + "/"])
    }
}
