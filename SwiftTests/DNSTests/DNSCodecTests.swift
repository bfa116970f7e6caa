import Testing
@testable import DNS

@Suite("DNS codec")
struct DNSCodecTests {
    /// `dig +noedns example.com A` as sent: id 0xabcd, RD, one question.
    let queryBytes: [UInt8] = [
        0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00,
        0x00, 0x01, 0x00, 0x01,
    ]

    @Test func decodesAQuery() throws {
        let m = try DNSMessage(decoding: queryBytes)
        #expect(m.header.id == 0xabcd)
        #expect(m.header.recursionDesired && !m.header.isResponse && m.header.opcode == 0)
        #expect(m.questions == [DNSQuestion(name: try DNSName("example.com"), type: .a)])
        #expect(m.answers.isEmpty && m.edns == nil)
        #expect(try m.encode() == queryBytes)
    }

    @Test func encodesAnswerWithCompressionPointerToQuestion() throws {
        var m = try DNSMessage(decoding: queryBytes)
        m.header.isResponse = true
        m.header.authoritative = true
        m.answers = [DNSRecord(name: try DNSName("EXAMPLE.com"), ttl: 5, data: .a(IPv4Address(10, 96, 0, 1)))]
        let expected: [UInt8] = [
            0xab, 0xcd, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d, 0x00,
            0x00, 0x01, 0x00, 0x01,
            // answer: pointer to offset 12 (case-insensitive match), A IN, TTL 5, length 4, 10.96.0.1
            0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x04, 0x0a, 0x60, 0x00, 0x01,
        ]
        #expect(try m.encode() == expected)
        let back = try DNSMessage(decoding: expected)
        #expect(back.answers == m.answers)
    }

    @Test func compressesSuffixesAndLeavesSRVTargetsWhole() throws {
        let zone = try DNSName("svc.cluster.local")
        var m = DNSMessage.query(id: 1, name: try zone.prepending(["_http", "_tcp", "web", "default"]), type: .srv)
        m.header.isResponse = true
        let target = try zone.prepending(["web", "default"])
        m.answers = [DNSRecord(name: m.questions[0].name, ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: target))]
        m.additional = [DNSRecord(name: target, ttl: 5, data: .a(IPv4Address(10, 96, 0, 10)))]
        let bytes = try m.encode()
        // question name at 12: 5 _http 4 _tcp 3 web 7 default 3 svc 7 cluster 5 local 0  (42 bytes), then type/class.
        let qEnd = 12 + 42 + 4
        // answer owner is a pointer to the question
        #expect(Array(bytes[qEnd..<(qEnd + 2)]) == [0xc0, 0x0c])
        // SRV rdata: prio, weight, port, then the target spelled out in full (3 web 7 default ... 0 = 31 bytes)
        let rdataAt = qEnd + 2 + 8 + 2
        #expect(Array(bytes[(rdataAt - 2)..<rdataAt]) == [0x00, 6 + 31])
        #expect(bytes[rdataAt + 6] == 3 && bytes[rdataAt + 7] == UInt8(ascii: "w"))
        // additional owner "web.default.svc.cluster.local" compresses to the question's "web..." suffix (offset 12+6+5)
        let addAt = rdataAt + 6 + 31
        #expect(Array(bytes[addAt..<(addAt + 2)]) == [0xc0, UInt8(12 + 6 + 5)])
        #expect(try DNSMessage(decoding: bytes) == m)
    }

    @Test func rejectsPointerLoopsAndForwardPointers() {
        // A name that points at itself.
        var selfLoop = Array(queryBytes[0..<12])
        selfLoop += [0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01]
        #expect(throws: DNSCodecError.invalidName) { try DNSMessage(decoding: selfLoop) }
        // A pointer forwards (to the type field).
        var forward = Array(queryBytes[0..<12])
        forward += [0xc0, 0x0e, 0x00, 0x01, 0x00, 0x01]
        #expect(throws: DNSCodecError.invalidName) { try DNSMessage(decoding: forward) }
        // Two names pointing at each other: the answer's owner points at the question, whose name is a
        // pointer into the answer.
        var mutual = Array(queryBytes[0..<12])
        mutual[7] = 1  // one answer
        mutual += [0xc0, 0x12, 0x00, 0x01, 0x00, 0x01]  // question name → 18 (the answer)
        mutual += [0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4]
        #expect(throws: DNSCodecError.invalidName) { try DNSMessage(decoding: mutual) }
    }

    @Test func boundsPointerChains() {
        // 40 pointers, each to the one before: backwards, but more jumps than allowed.
        var bytes = Array(queryBytes[0..<12])
        bytes[5] = 0  // no questions; the chain sits in the "answer"
        bytes[7] = 1
        bytes += [0x01, 0x61, 0x00]  // offset 12: "a."
        for i in 0..<40 { bytes += [0xc0, UInt8(12 + (i == 0 ? 0 : 3 + 2 * (i - 1)))] }
        bytes += [0xc0, UInt8(12 + 3 + 2 * 39), 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4]
        #expect(throws: DNSCodecError.self) { try DNSMessage(decoding: bytes) }
    }

    @Test func rejectsOverlongLabelsAndNames() {
        #expect(throws: DNSCodecError.invalidName) { try DNSName(String(repeating: "a", count: 64) + ".com") }
        #expect(throws: DNSCodecError.invalidName) { try DNSName(Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")) }
        #expect(throws: DNSCodecError.invalidName) { try DNSName("a..b") }
        // On the wire: labels adding up to more than 255 bytes.
        var bytes = Array(queryBytes[0..<12])
        for _ in 0..<5 { bytes += [63] + Array(repeating: 0x61, count: 63) }
        bytes += [0, 0, 1, 0, 1]
        #expect(throws: DNSCodecError.invalidName) { try DNSMessage(decoding: bytes) }
        // Reserved label types 0x40 and 0x80.
        var reserved = Array(queryBytes[0..<12])
        reserved += [0x41, 0x61, 0, 0, 1, 0, 1]
        #expect(throws: DNSCodecError.invalidName) { try DNSMessage(decoding: reserved) }
    }

    @Test func rejectsTruncatedAndImpossibleMessages() {
        for n in 0..<queryBytes.count {
            #expect(throws: DNSCodecError.self) { try DNSMessage(decoding: Array(queryBytes[0..<n])) }
        }
        var counts = queryBytes
        counts[6] = 0xff; counts[7] = 0xff  // 65535 answers in 29 bytes
        #expect(throws: DNSCodecError.truncated) { try DNSMessage(decoding: counts) }
        // An A record whose RDLENGTH is not 4.
        var badA = queryBytes
        badA[7] = 1
        badA += [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3]
        #expect(throws: DNSCodecError.invalidRecordData) { try DNSMessage(decoding: badA) }
    }

    @Test func ednsRoundTripAndExtendedRcode() throws {
        // `dig example.com A` with EDNS: OPT, UDP size 1232, DO clear, a cookie option.
        let cookie: [UInt8] = [0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]
        var bytes = queryBytes
        bytes[11] = 1
        bytes += [0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, UInt8(cookie.count)] + cookie
        let m = try DNSMessage(decoding: bytes)
        #expect(m.edns?.udpPayloadSize == 1232)
        #expect(m.edns?.options == cookie)
        #expect(m.additional.isEmpty)
        #expect(try m.encode() == bytes)

        var r = m
        r.rcode = .badVersion
        #expect(r.header.rcode == 0 && r.edns?.extendedRcode == 1)
        let back = try DNSMessage(decoding: try r.encode())
        #expect(back.rcode == .badVersion)

        var twoOPT = bytes
        twoOPT[11] = 2
        twoOPT += [0x00, 0x00, 0x29, 0x02, 0x00, 0, 0, 0, 0, 0, 0]
        #expect(throws: DNSCodecError.invalidOPT) { try DNSMessage(decoding: twoOPT) }
    }

    @Test func truncatesWholeRecordsAndSetsTC() throws {
        var m = DNSMessage.query(id: 7, name: try DNSName("big.default.svc.cluster.local"), type: .a)
        m.header.isResponse = true
        for i in 0..<100 {
            m.answers.append(DNSRecord(name: m.questions[0].name, ttl: 5, data: .a(IPv4Address(10, 244, 0, UInt8(i)))))
        }
        let full = try m.encode()
        #expect(full.count > 512)
        #expect(try DNSMessage(decoding: full).header.truncated == false)

        let udp = try m.encode(maxSize: 512)
        #expect(udp.count <= 512)
        let cut = try DNSMessage(decoding: udp)
        #expect(cut.header.truncated)
        #expect(cut.answers.count > 0 && cut.answers.count < 100)
        #expect(Array(m.answers.prefix(cut.answers.count)) == cut.answers)
        // Each answer is 16 bytes (pointer owner); the header and question 47: as many as fit.
        #expect(cut.answers.count == (512 - 47) / 16)

        // With EDNS the OPT record survives truncation and its 11 bytes are reserved.
        m.edns = EDNS(udpPayloadSize: 1232)
        let e = try DNSMessage(decoding: try m.encode(maxSize: 600))
        #expect(e.header.truncated && e.edns?.udpPayloadSize == 1232)
        #expect(e.answers.count == (600 - 47 - 11) / 16)
    }

    @Test func recordTypesRoundTrip() throws {
        let name = try DNSName("x.cluster.local")
        var m = DNSMessage(header: DNSHeader(id: 9))
        m.answers = [
            DNSRecord(name: name, ttl: 5, data: .aaaa(IPv6Address("fd00:10:96::a")!)),
            DNSRecord(name: name, ttl: 5, data: .cname(try DNSName("www.example.com"))),
            DNSRecord(name: name, ttl: 5, data: .ptr(try DNSName("web.default.svc.cluster.local"))),
            DNSRecord(name: name, ttl: 28800, data: .txt([Array("1.1.0".utf8), []])),
            DNSRecord(name: name, ttl: 5, data: .unknown(type: DNSRecordType(rawValue: 99), bytes: [1, 2, 3])),
        ]
        m.authority = [DNSRecord(name: try DNSName("cluster.local"), ttl: 5, data: .soa(.init(
            mname: try DNSName("ns.dns.cluster.local"), rname: try DNSName("hostmaster.cluster.local"),
            serial: 42, refresh: 7200, retry: 1800, expire: 86400, minimum: 5)))]
        #expect(try DNSMessage(decoding: try m.encode()) == m)
    }

    @Test func addressesParseAndPrintCanonically() {
        #expect(IPv6Address("fd00:10:96:0:0:0:0:a")?.description == "fd00:10:96::a")
        #expect(IPv6Address("::1")?.description == "::1")
        #expect(IPv6Address("::")?.description == "::")
        #expect(IPv6Address("1:0:0:1:0:0:0:1")?.description == "1:0:0:1::1")
        #expect(IPv6Address("::ffff:10.0.0.1")?.description == "::ffff:a00:1")
        #expect(IPv6Address("1::2::3") == nil && IPv6Address("12345::") == nil)
        #expect(IPv4Address("10.96.0.10")?.description == "10.96.0.10")
        #expect(IPv4Address("10.96.0.010") == nil && IPv4Address("256.1.1.1") == nil && IPv4Address("1.2.3") == nil)
        let ip = IPAddress("10.244.1.7")!
        #expect(ip.reverseName.description == "7.1.244.10.in-addr.arpa.")
        #expect(IPAddress(reverseName: ip.reverseName) == ip)
        let v6 = IPAddress("fd00::1")!
        #expect(v6.reverseName.labels.count == 34)
        #expect(IPAddress(reverseName: v6.reverseName) == v6)
        #expect(IPAddress(reverseName: try! DNSName("1.2.3.in-addr.arpa")) == nil)
    }

    /// Random bytes and random mutations of valid messages must only ever throw, never trap, and whatever
    /// decodes must encode again.
    @Test func fuzzNeverCrashes() throws {
        var rng = SplitMix(seed: 0x5eed)
        var m = DNSMessage.query(id: 3, name: try DNSName("_dns._udp.kube-dns.kube-system.svc.cluster.local"), type: .srv, edns: EDNS(udpPayloadSize: 4096))
        m.answers = [DNSRecord(name: m.questions[0].name, ttl: 5, data: .srv(priority: 0, weight: 100, port: 53, target: try DNSName("kube-dns.kube-system.svc.cluster.local")))]
        m.authority = [DNSRecord(name: try DNSName("cluster.local"), ttl: 5, data: .soa(.init(
            mname: try DNSName("ns.dns.cluster.local"), rname: try DNSName("hostmaster.cluster.local"),
            serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5)))]
        m.additional = [DNSRecord(name: try DNSName("kube-dns.kube-system.svc.cluster.local"), ttl: 5, data: .a(IPv4Address(10, 96, 0, 10)))]
        let seed = try m.encode()
        var decoded = 0
        for i in 0..<20000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if bytes.count >= 12 && i % 4 == 0 { bytes[4] = 0; bytes[5] = 1 }  // plausible counts
            } else {
                bytes = seed
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    bytes[at] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
            }
            if let msg = try? DNSMessage(decoding: bytes) {
                decoded += 1
                _ = try? msg.encode(maxSize: 512)
            }
        }
        #expect(decoded > 0)
    }
}

/// A small deterministic generator so fuzz failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
