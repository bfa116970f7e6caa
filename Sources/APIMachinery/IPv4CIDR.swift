/// An IPv4 address range in CIDR notation (`172.31.4.128/25`), as a number and a prefix length: what the
/// cluster tool needs to keep its host-visible ranges clear of the machine's, and what the load-balancer
/// address allocator walks. Parsing is strict (dotted quad, no leading `+`, prefix 0...32) because the text
/// comes from command lines, config files and Service objects.
public struct IPv4CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the range (host bits cleared).
    public let network: UInt32
    public let prefixLength: Int

    public init(network: UInt32, prefixLength: Int) {
        precondition((0...32).contains(prefixLength))
        self.prefixLength = prefixLength
        self.network = network & Self.mask(prefixLength)
    }

    /// `a.b.c.d/n`; a bare address is a /32. Host bits set (`10.0.0.1/8`) are cleared, as Go's
    /// `net.ParseCIDR` returns the network.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = Self.parseAddress(String(parts[0])) else { return nil }
        var length = 32
        if parts.count == 2 {
            let p = parts[1]
            guard !p.isEmpty, p.count <= 2, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p), n <= 32 else { return nil }
            length = n
        }
        self.init(network: address, prefixLength: length)
    }

    static func mask(_ length: Int) -> UInt32 { length == 0 ? 0 : UInt32.max << UInt32(32 - length) }

    public var mask: UInt32 { Self.mask(prefixLength) }
    /// The last address of the range.
    public var last: UInt32 { network | ~mask }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public func contains(_ address: UInt32) -> Bool { address & mask == network }
    public func contains(_ address: String) -> Bool { Self.parseAddress(address).map(contains) ?? false }
    public func overlaps(_ other: IPv4CIDR) -> Bool { contains(other.network) || other.contains(network) }

    public var description: String { "\(Self.format(network))/\(prefixLength)" }

    /// A dotted quad to its number; nil for anything else (leading zeros beyond three digits, spaces, signs).
    public static func parseAddress(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    public static func format(_ v: UInt32) -> String {
        "\(v >> 24).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)"
    }
}
