import APIMachinery

/// A host port a container asks for, normalised as upstream's `HostPortInfo.sanitize` does: an empty
/// host IP means every address (`0.0.0.0`), an empty protocol means TCP.
public struct HostPort: Sendable, Hashable {
    public var hostIP: String
    public var `protocol`: String
    public var port: Int32

    public static let anyAddress = "0.0.0.0"

    public init(hostIP: String = "", protocol: String = "", port: Int32) {
        self.hostIP = hostIP.isEmpty ? Self.anyAddress : hostIP
        self.protocol = `protocol`.isEmpty ? "TCP" : `protocol`
        self.port = port
    }
}

/// The host ports in use on a node, counted per pod so removing one pod never frees a port another holds.
public struct HostPortInfo: Sendable, Hashable {
    private var uses: [HostPort: Int] = [:]

    public init() {}

    public var isEmpty: Bool { uses.isEmpty }
    public var count: Int { uses.count }

    mutating func add(_ p: HostPort) {
        guard p.port > 0 else { return }
        uses[p, default: 0] += 1
    }

    mutating func remove(_ p: HostPort) {
        guard p.port > 0, let n = uses[p] else { return }
        uses[p] = n > 1 ? n - 1 : nil
    }

    /// Upstream `HostPortInfo.CheckConflict`: a wildcard address conflicts with the same protocol/port on
    /// any address; a specific address conflicts with itself and with the wildcard.
    public func conflicts(with p: HostPort) -> Bool {
        guard p.port > 0, !uses.isEmpty else { return false }
        if p.hostIP == HostPort.anyAddress {
            return uses.keys.contains { $0.port == p.port && $0.protocol == p.protocol }
        }
        if uses[p] != nil { return true }
        return uses[HostPort(hostIP: HostPort.anyAddress, protocol: p.protocol, port: p.port)] != nil
    }
}
