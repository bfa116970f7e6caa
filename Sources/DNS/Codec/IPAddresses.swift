/// An IPv4 address as its four bytes. Parsing accepts only the dotted-decimal form Kubernetes writes
/// (no leading zeros beyond a single 0, no shorthand), so that `1-2-3-4` pod names and PTR labels map to one
/// address exactly.
public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { bytes = (a, b, c, d) }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  p.count == 1 || p.first != "0", let v = UInt8(p) else { return nil }
            out.append(v)
        }
        bytes = (out[0], out[1], out[2], out[3])
    }

    public var array: [UInt8] { [bytes.0, bytes.1, bytes.2, bytes.3] }
    public var description: String { "\(bytes.0).\(bytes.1).\(bytes.2).\(bytes.3)" }

    public static func == (a: IPv4Address, b: IPv4Address) -> Bool { a.array == b.array }
    public func hash(into h: inout Hasher) { h.combine(array) }
}

/// An IPv6 address as its 16 bytes; parses the RFC 4291 text forms (with `::` and an embedded IPv4 tail)
/// and prints the RFC 5952 canonical form, which is what Kubernetes stores.
public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard s.contains(":"), s.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        let halves = s.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, f.contains(".") {
                    guard let v4 = IPv4Address(f) else { return nil }
                    out.append(UInt16(v4.bytes.0) << 8 | UInt16(v4.bytes.1))
                    out.append(UInt16(v4.bytes.2) << 8 | UInt16(v4.bytes.3))
                    continue
                }
                guard !f.isEmpty, f.count <= 4, let v = UInt16(f, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = parse(halves[0]) else { return nil }
        groups = head
        if halves.count == 2 {
            guard let t = parse(halves[1]) else { return nil }
            tail = t
            guard groups.count + tail.count <= 7 else { return nil }
            groups += Array(repeating: 0, count: 8 - groups.count - tail.count) + tail
        }
        guard groups.count == 8 else { return nil }
        bytes = groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    public var description: String {
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // RFC 5952: the longest run (length ≥ 2) of zero groups, the first one on ties, becomes "::".
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > best.length { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let left = hex[..<best.start].joined(separator: ":")
        let right = hex[(best.start + best.length)...].joined(separator: ":")
        return left + "::" + right
    }
}

/// An address of either family, as Kubernetes objects carry them.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: some StringProtocol) {
        if let a = IPv4Address(text) { self = .v4(a) } else if let a = IPv6Address(text) { self = .v6(a) } else { return nil }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }

    /// The `in-addr.arpa` / `ip6.arpa` name of the address (RFC 1035 §3.5, RFC 3596 §2.5).
    public var reverseName: DNSName {
        switch self {
        case .v4(let a):
            return try! DNSName("\(a.bytes.3).\(a.bytes.2).\(a.bytes.1).\(a.bytes.0).in-addr.arpa")
        case .v6(let a):
            let hex = "0123456789abcdef".map { String($0) }
            var labels: [String] = []
            for b in a.bytes.reversed() {
                labels.append(hex[Int(b & 0x0F)])
                labels.append(hex[Int(b >> 4)])
            }
            return try! DNSName((labels + ["ip6", "arpa"]).joined(separator: "."))
        }
    }

    /// The address a reverse name stands for; nil for anything but a complete `in-addr.arpa` (4 decimal
    /// labels) or `ip6.arpa` (32 nibble labels) name.
    public init?(reverseName name: DNSName) {
        let l = name.lowercasedLabels
        if l.count == 6, l[4] == "in-addr", l[5] == "arpa" {
            guard let a = IPv4Address(l[0..<4].reversed().joined(separator: ".")) else { return nil }
            self = .v4(a)
        } else if l.count == 34, l[32] == "ip6", l[33] == "arpa" {
            var bytes: [UInt8] = []
            let nibbles = l[0..<32].reversed().map { UInt8($0, radix: 16) }
            guard nibbles.allSatisfy({ $0 != nil }), l[0..<32].allSatisfy({ $0.count == 1 }) else { return nil }
            for i in stride(from: 0, to: 32, by: 2) { bytes.append(nibbles[i]! << 4 | nibbles[i + 1]!) }
            self = .v6(IPv6Address(bytes: bytes)!)
        } else {
            return nil
        }
    }
}
