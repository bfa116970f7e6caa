/// A DNS message (RFC 1035 §4): header, the four sections, and EDNS taken out of the additional section.
public struct DNSMessage: Sendable, Equatable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    /// The additional section without the OPT record (that is `edns`).
    public var additional: [DNSRecord]
    public var edns: EDNS?

    public init(header: DNSHeader = DNSHeader(), questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                authority: [DNSRecord] = [], additional: [DNSRecord] = [], edns: EDNS? = nil) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The full response code: the header's 4 bits plus EDNS's upper 8.
    public var rcode: DNSResponseCode {
        get { DNSResponseCode(rawValue: UInt16(edns?.extendedRcode ?? 0) << 4 | UInt16(header.rcode)) }
        set {
            header.rcode = UInt8(newValue.rawValue & 0x0F)
            if edns != nil { edns!.extendedRcode = UInt8(truncatingIfNeeded: newValue.rawValue >> 4) }
        }
    }

    /// A query with one question and recursion desired, as stub resolvers send.
    public static func query(id: UInt16, name: DNSName, type: DNSRecordType, edns: EDNS? = nil) -> DNSMessage {
        var h = DNSHeader(id: id)
        h.recursionDesired = true
        return DNSMessage(header: h, questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// Decodes a whole message. Never traps on any input: every malformed message is a thrown error.
    public init(decoding bytes: [UInt8]) throws(DNSCodecError) {
        var r = DNSReader(bytes)
        try self.init(reader: &r)
    }

    init(reader r: inout DNSReader) throws(DNSCodecError) {
        let id = try r.u16()
        let flags = try r.u16()
        header = DNSHeader(id: id, flags: flags)
        let qd = Int(try r.u16()), an = Int(try r.u16()), ns = Int(try r.u16()), ar = Int(try r.u16())
        // Each question needs at least 5 bytes and each record 11: reject impossible counts up front instead of
        // reserving memory for them.
        guard qd * 5 + (an + ns + ar) * 11 <= r.remaining else { throw .truncated }
        questions = []
        for _ in 0..<qd {
            let name = try r.readName()
            questions.append(DNSQuestion(name: name, type: DNSRecordType(rawValue: try r.u16()), recordClass: DNSClass(rawValue: try r.u16())))
        }
        answers = try (0..<an).map { _ throws(DNSCodecError) in try r.record().record }
        authority = try (0..<ns).map { _ throws(DNSCodecError) in try r.record().record }
        additional = []
        edns = nil
        for _ in 0..<ar {
            let (record, opt) = try r.record()
            if let opt {
                guard edns == nil else { throw .invalidOPT }
                edns = opt
            } else {
                additional.append(record)
            }
        }
        // Trailing bytes after the counted records are ignored, as most servers do.
    }

    /// Encodes the message with name compression. When the result would exceed `maxSize`, records are
    /// dropped from the end (whole records only; additional, then authority, then answers) and the TC bit
    /// is set, so that a UDP client retries over TCP (RFC 2181 §9). The OPT record is always kept.
    public func encode(maxSize: Int = 65535) throws(DNSCodecError) -> [UInt8] {
        var w = DNSWriter()
        var h = header
        let optSize = edns.map { 11 + $0.options.count } ?? 0
        let limit = min(maxSize, 65535) - optSize
        w.u16(h.id)
        w.u16(0)  // flags, patched below
        w.u16(UInt16(questions.count))
        w.u16(0); w.u16(0); w.u16(0)
        for q in questions {
            w.name(q.name)
            w.u16(q.type.rawValue)
            w.u16(q.recordClass.rawValue)
        }
        guard w.count <= limit else { throw .messageTooLong }
        var counts = [0, 0, 0]
        var full = true
        sections: for (i, section) in [answers, authority, additional].enumerated() {
            for rr in section {
                let mark = w.mark()
                try w.record(rr)
                if w.count > limit {
                    w.rollback(to: mark)
                    full = false
                    break sections
                }
                counts[i] += 1
            }
        }
        if !full { h.truncated = true }
        var arCount = counts[2]
        if let edns {
            w.u8(0)  // root owner
            w.u16(DNSRecordType.opt.rawValue)
            w.u16(edns.udpPayloadSize)
            w.u8(edns.extendedRcode)
            w.u8(edns.version)
            w.u16((edns.dnssecOK ? 0x8000 : 0) | (edns.otherFlags & 0x7FFF))
            w.u16(UInt16(edns.options.count))
            w.bytes(edns.options)
            arCount += 1
        }
        w.set16(at: 2, h.flags)
        w.set16(at: 6, UInt16(counts[0]))
        w.set16(at: 8, UInt16(counts[1]))
        w.set16(at: 10, UInt16(arCount))
        return w.buffer
    }
}
