/// Builds a message, compressing names (RFC 1035 §4.1.4): every name suffix written is remembered by its
/// lowercased text and offset, and a later name ending in a known suffix points there.
struct DNSWriter {
    private(set) var buffer: [UInt8] = []
    /// Lowercased suffix ("svc.cluster.local.") → offset of its first label.
    private var suffixes: [String: Int] = [:]

    init() { buffer.reserveCapacity(512) }

    var count: Int { buffer.count }

    mutating func u8(_ v: UInt8) { buffer.append(v) }
    mutating func u16(_ v: UInt16) { buffer.append(UInt8(v >> 8)); buffer.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    mutating func bytes(_ b: [UInt8]) { buffer.append(contentsOf: b) }

    mutating func set16(at i: Int, _ v: UInt16) {
        buffer[i] = UInt8(v >> 8)
        buffer[i + 1] = UInt8(v & 0xFF)
    }

    struct Mark {
        let count: Int
        let suffixes: [String: Int]
    }

    /// A point to come back to if what follows does not fit.
    func mark() -> Mark { Mark(count: buffer.count, suffixes: suffixes) }

    /// Forgets everything written after `mark`, including compression targets inside it.
    mutating func rollback(to mark: Mark) {
        buffer.removeSubrange(mark.count...)
        suffixes = mark.suffixes
    }

    /// Writes `name`, compressed when `compress` (only names in the RDATA of RFC 1035's types may be).
    mutating func name(_ name: DNSName, compress: Bool = true) {
        let lower = name.lowercasedLabels
        for i in name.labels.indices {
            let suffix = lower[i...].joined(separator: ".") + "."
            if compress, let at = suffixes[suffix] {
                u16(0xC000 | UInt16(at))
                return
            }
            // Pointers have 14 bits: only the first 16 KiB can be pointed at.
            if compress, buffer.count < 0x4000 { suffixes[suffix] = buffer.count }
            u8(UInt8(name.labels[i].count))
            bytes(name.labels[i])
        }
        u8(0)
    }

    /// Writes a record with its RDLENGTH filled in.
    mutating func record(_ rr: DNSRecord) throws(DNSCodecError) {
        name(rr.name)
        u16(rr.type.rawValue)
        u16(rr.recordClass.rawValue)
        u32(rr.ttl)
        let lengthAt = buffer.count
        u16(0)
        let start = buffer.count
        switch rr.data {
        case .a(let a): bytes(a.array)
        case .aaaa(let a): bytes(a.bytes)
        case .cname(let n), .ns(let n), .ptr(let n): name(n)
        case .srv(let p, let w, let port, let target):
            u16(p); u16(w); u16(port)
            // RFC 2782: the SRV target must not be compressed.
            name(target, compress: false)
        case .txt(let strings):
            for s in strings {
                guard s.count <= 255 else { throw .invalidRecordData }
                u8(UInt8(s.count))
                bytes(s)
            }
        case .soa(let s):
            name(s.mname); name(s.rname)
            u32(s.serial); u32(s.refresh); u32(s.retry); u32(s.expire); u32(s.minimum)
        case .unknown(_, let b): bytes(b)
        }
        let length = buffer.count - start
        guard length <= 0xFFFF else { throw .messageTooLong }
        set16(at: lengthAt, UInt16(length))
    }
}
