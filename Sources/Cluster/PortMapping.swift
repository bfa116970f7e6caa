import Foundation

/// One port of a node published on the host's loopback (kind's `extraPortMappings`; Skiff's `--port
/// HOST:NODEPORT[/tcp|udp]`): `skiff port-publisher` listens on `listenAddress:hostPort` in the root
/// namespace and relays each connection (or UDP flow) to `nodePort` at the node's address, dialled from
/// inside the node's namespace, where NodePort Services and hostPorts answer.
public struct PortMapping: Codable, Sendable, Hashable, CustomStringConvertible {
    public enum Proto: String, Codable, Sendable {
        case tcp, udp
    }

    public var hostPort: Int
    public var nodePort: Int
    public var proto: Proto
    /// Index of the node whose port is published (0, the control plane, for `--port`).
    public var node: Int
    /// Loopback only: the cluster is published to this machine, never to its network.
    public var listenAddress: String

    public init(hostPort: Int, nodePort: Int, proto: Proto = .tcp, node: Int = 0, listenAddress: String = "127.0.0.1") {
        self.hostPort = hostPort
        self.nodePort = nodePort
        self.proto = proto
        self.node = node
        self.listenAddress = listenAddress
    }

    public var description: String { "\(listenAddress):\(hostPort)->\(nodePort)/\(proto.rawValue)" }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// `HOST:NODEPORT`, `HOST:NODEPORT/tcp` or `HOST:NODEPORT/udp`, ports 1-65535.
    public static func parse(_ text: String) throws -> PortMapping {
        let bad = ParseError(description: "--port \"\(text)\": want HOST:NODEPORT or HOST:NODEPORT/tcp|udp with ports 1-65535")
        var body = Substring(text)
        var proto = Proto.tcp
        if let slash = body.firstIndex(of: "/") {
            guard let p = Proto(rawValue: String(body[body.index(after: slash)...]).lowercased()) else { throw bad }
            proto = p
            body = body[..<slash]
        }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let host = port(parts[0]), let node = port(parts[1]) else { throw bad }
        return PortMapping(hostPort: host, nodePort: node, proto: proto)
    }

    /// Decimal 1-65535, digits only (no sign, no spaces, at most five digits so no overflow).
    public static func port(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), (1...65535).contains(n) else { return nil }
        return n
    }

    /// Mappings that would listen on the same host port and protocol: the second could not bind.
    public static func duplicates(_ mappings: [PortMapping]) -> [PortMapping] {
        var seen = Set<String>(), dups: [PortMapping] = []
        for m in mappings where !seen.insert("\(m.listenAddress):\(m.hostPort)/\(m.proto)").inserted { dups.append(m) }
        return dups
    }

    /// The supervisor's name for this mapping's publisher process.
    public var componentName: String { "port-\(proto.rawValue)-\(hostPort)" }
}
