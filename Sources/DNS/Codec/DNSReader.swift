/// A bounds-checked cursor over a received message. Every read checks what is left first and throws
/// instead of trapping, so arbitrary bytes from the network can never crash the server.
struct DNSReader {
    /// How many compression pointers one name may follow. Pointers must also point strictly backwards,
    /// which alone rules out loops; the cap bounds the work a hostile message can cause.
    static let maxPointers = 32

    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(DNSCodecError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSCodecError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws(DNSCodecError) -> UInt32 {
        UInt32(try u16()) << 16 | UInt32(try u16())
    }

    mutating func take(_ n: Int) throws(DNSCodecError) -> [UInt8] {
        guard n >= 0, remaining >= n else { throw .truncated }
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    /// Reads a possibly compressed name (RFC 1035 §4.1.4), leaving the cursor after its first encoding.
    mutating func readName() throws(DNSCodecError) -> DNSName {
        var labels: [[UInt8]] = []
        var wire = 1
        var pos = offset
        var jumped = false
        var pointers = 0
        // Where the part of the name being read started: a pointer must go below it.
        var segmentStart = offset
        while true {
            guard pos < bytes.count else { throw .truncated }
            let len = bytes[pos]
            switch len & 0xC0 {
            case 0x00:
                if len == 0 {
                    if !jumped { offset = pos + 1 }
                    return DNSName(uncheckedLabels: labels)
                }
                let n = Int(len)
                guard pos + 1 + n <= bytes.count else { throw .truncated }
                wire += n + 1
                guard wire <= DNSName.maxWireLength else { throw .invalidName }
                labels.append(Array(bytes[(pos + 1)...(pos + n)]))
                pos += 1 + n
            case 0xC0:
                guard pos + 1 < bytes.count else { throw .truncated }
                let target = Int(len & 0x3F) << 8 | Int(bytes[pos + 1])
                pointers += 1
                guard pointers <= Self.maxPointers, target < segmentStart else { throw .invalidName }
                if !jumped {
                    offset = pos + 2
                    jumped = true
                }
                segmentStart = target
                pos = target
            default:
                // 0x40 (extended label types, RFC 6891 deprecated them) and 0x80 are reserved.
                throw .invalidName
            }
        }
    }

    /// Reads one resource record; an OPT record is returned as EDNS too.
    mutating func record() throws(DNSCodecError) -> (record: DNSRecord, opt: EDNS?) {
        let name = try readName()
        let type = DNSRecordType(rawValue: try u16())
        let cls = try u16()
        let ttl = try u32()
        let length = Int(try u16())
        guard remaining >= length else { throw .truncated }
        let end = offset + length
        if type == .opt {
            guard name.labels.isEmpty else { throw .invalidOPT }
            var e = EDNS(udpPayloadSize: cls)
            e.extendedRcode = UInt8(ttl >> 24)
            e.version = UInt8((ttl >> 16) & 0xFF)
            e.dnssecOK = ttl & 0x8000 != 0
            e.otherFlags = UInt16(ttl & 0x7FFF)
            e.options = try take(length)
            let rr = DNSRecord(name: name, ttl: ttl, data: .unknown(type: .opt, bytes: e.options), recordClass: DNSClass(rawValue: cls))
            return (rr, e)
        }
        let data: DNSRecord.RecordData
        switch type {
        case .a:
            guard length == 4 else { throw .invalidRecordData }
            let b = try take(4)
            data = .a(IPv4Address(b[0], b[1], b[2], b[3]))
        case .aaaa:
            guard length == 16 else { throw .invalidRecordData }
            data = .aaaa(IPv6Address(bytes: try take(16))!)
        case .cname: data = .cname(try readName())
        case .ns: data = .ns(try readName())
        case .ptr: data = .ptr(try readName())
        case .srv:
            let p = try u16(), w = try u16(), port = try u16()
            data = .srv(priority: p, weight: w, port: port, target: try readName())
        case .soa:
            let m = try readName(), r = try readName()
            data = .soa(.init(mname: m, rname: r, serial: try u32(), refresh: try u32(), retry: try u32(), expire: try u32(), minimum: try u32()))
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let n = Int(try u8())
                guard offset + n <= end else { throw .invalidRecordData }
                strings.append(try take(n))
            }
            data = .txt(strings)
        default:
            data = .unknown(type: type, bytes: try take(length))
        }
        // The data must fill its declared length exactly.
        guard offset == end else { throw .invalidRecordData }
        return (DNSRecord(name: name, ttl: ttl, data: data, recordClass: DNSClass(rawValue: cls)), nil)
    }
}
