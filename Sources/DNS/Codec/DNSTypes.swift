/// A resource record type (RFC 1035 §3.2.2 and later RFCs). A struct over the number, not an enum, so that
/// any type a client asks for survives decoding and can be answered (with NODATA) rather than rejected.
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)
    public static let opt = DNSRecordType(rawValue: 41)
    public static let any = DNSRecordType(rawValue: 255)

    static let names: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 41: "OPT", 255: "ANY",
    ]

    public init?(name: String) {
        guard let v = Self.names.first(where: { $0.value == name.uppercased() })?.key else { return nil }
        rawValue = v
    }

    public var description: String { Self.names[rawValue] ?? "TYPE\(rawValue)" }
}

/// A record class; only IN matters to a cluster DNS server.
public struct DNSClass: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let `in` = DNSClass(rawValue: 1)
    public static let chaos = DNSClass(rawValue: 3)
    public static let any = DNSClass(rawValue: 255)
}

/// Response codes, including the EDNS extended ones (RFC 6891: the upper 8 bits travel in the OPT record).
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
    public static let badVersion = DNSResponseCode(rawValue: 16)

    public var description: String {
        switch rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 16: return "BADVERS"
        default: return "RCODE\(rawValue)"
        }
    }
}

/// The 12-byte header's fields (RFC 1035 §4.1.1). The four counts are not stored: they are the lengths of
/// the message's sections.
public struct DNSHeader: Sendable, Equatable {
    public var id: UInt16 = 0
    public var isResponse = false
    public var opcode: UInt8 = 0
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = false
    public var recursionAvailable = false
    /// The Z bit, reserved: must be zero on the wire but kept as received.
    public var zero = false
    public var authenticData = false
    public var checkingDisabled = false
    /// The low 4 bits of the response code (the header's share).
    public var rcode: UInt8 = 0

    public init(id: UInt16 = 0) { self.id = id }

    var flags: UInt16 {
        var f: UInt16 = 0
        if isResponse { f |= 0x8000 }
        f |= UInt16(opcode & 0x0F) << 11
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if zero { f |= 0x0040 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        f |= UInt16(rcode & 0x0F)
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.id = id
        isResponse = f & 0x8000 != 0
        opcode = UInt8((f >> 11) & 0x0F)
        authoritative = f & 0x0400 != 0
        truncated = f & 0x0200 != 0
        recursionDesired = f & 0x0100 != 0
        recursionAvailable = f & 0x0080 != 0
        zero = f & 0x0040 != 0
        authenticData = f & 0x0020 != 0
        checkingDisabled = f & 0x0010 != 0
        rcode = UInt8(f & 0x0F)
    }
}

/// One entry of the question section.
public struct DNSQuestion: Sendable, Equatable {
    public var name: DNSName
    public var type: DNSRecordType
    public var recordClass: DNSClass
    public init(name: DNSName, type: DNSRecordType, recordClass: DNSClass = .in) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}

/// EDNS(0) (RFC 6891), carried as the OPT pseudo-record: the requester's UDP payload size, the upper bits
/// of the response code, the DO bit and options (kept as raw bytes and passed through unread).
public struct EDNS: Sendable, Equatable {
    public var udpPayloadSize: UInt16
    public var extendedRcode: UInt8 = 0
    public var version: UInt8 = 0
    public var dnssecOK = false
    /// The other 15 flag bits (reserved; kept as received).
    public var otherFlags: UInt16 = 0
    /// The options' bytes (code, length, data ...), unparsed.
    public var options: [UInt8] = []

    public init(udpPayloadSize: UInt16, dnssecOK: Bool = false) {
        self.udpPayloadSize = udpPayloadSize
        self.dnssecOK = dnssecOK
    }
}
