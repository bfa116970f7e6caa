/// A domain name as its labels (without the empty root label), kept as raw bytes.
///
/// Labels stay bytes rather than Strings because a name must round-trip exactly: resolvers randomise the
/// case of queries (DNS 0x20) and check the echo, and a label may hold any octet, which a lossy String
/// conversion would change (and could push over the 63-byte limit). Comparisons are ASCII
/// case-insensitive, as RFC 4343 requires.
public struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// RFC 1035 limits: 63 octets a label, 255 octets the whole name in wire form.
    public static let maxLabelLength = 63
    public static let maxWireLength = 255

    public private(set) var labels: [[UInt8]]

    public static let root = DNSName(uncheckedLabels: [])

    init(uncheckedLabels: [[UInt8]]) { labels = uncheckedLabels }

    /// Builds a name from labels; fails when a label is empty or too long, or the name too long.
    public init(labels: [[UInt8]]) throws(DNSCodecError) {
        var wire = 1
        for l in labels {
            guard !l.isEmpty, l.count <= Self.maxLabelLength else { throw .invalidName }
            wire += l.count + 1
        }
        guard wire <= Self.maxWireLength else { throw .invalidName }
        self.labels = labels
    }

    /// Parses dotted text (`www.example.com` or `www.example.com.`); `.` alone is the root. No escapes.
    public init(_ text: String) throws(DNSCodecError) {
        if text == "." || text.isEmpty {
            self = .root
            return
        }
        var t = Substring(text)
        if t.hasSuffix(".") { t = t.dropLast() }
        try self.init(labels: t.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }

    /// The length of the name in uncompressed wire form.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    /// The labels lowercased as Strings: what lookups compare against.
    public var lowercasedLabels: [String] { labels.map { String(decoding: $0.map(Self.lower), as: UTF8.self) } }

    /// Dotted, fully qualified (trailing dot), lowercased: a dictionary key for case-insensitive matching.
    public var key: String {
        labels.isEmpty ? "." : lowercasedLabels.joined(separator: ".") + "."
    }

    public var description: String {
        labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".") + "."
    }

    /// True when `self` is `zone` or below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard labels.count >= zone.labels.count else { return false }
        let offset = labels.count - zone.labels.count
        for i in zone.labels.indices where !Self.equalFold(labels[offset + i], zone.labels[i]) { return false }
        return true
    }

    /// The labels above `zone` (`a.b` for `a.b.cluster.local` in `cluster.local`); nil when not inside it.
    public func labels(below zone: DNSName) -> [[UInt8]]? {
        guard isSubdomain(of: zone) else { return nil }
        return Array(labels[..<(labels.count - zone.labels.count)])
    }

    /// The name with `prefix` labels put in front.
    public func prepending(_ prefix: [String]) throws(DNSCodecError) -> DNSName {
        try DNSName(labels: prefix.map { Array($0.utf8) } + labels)
    }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        guard a.labels.count == b.labels.count else { return false }
        for i in a.labels.indices where !equalFold(a.labels[i], b.labels[i]) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        for l in labels {
            hasher.combine(l.count)
            for b in l { hasher.combine(Self.lower(b)) }
        }
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    static func equalFold(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for i in a.indices where lower(a[i]) != lower(b[i]) { return false }
        return true
    }
}
