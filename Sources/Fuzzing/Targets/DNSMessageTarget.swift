import DNS

/// DNS messages as the cluster DNS server reads them off UDP and TCP: a message that decodes is encoded
/// again and decodes to the same message.
public struct DNSMessageTarget: ParserFuzzTarget {
    public let name = "dns"
    public init() {}

    public var seeds: [[UInt8]] {
        var out: [[UInt8]] = []
        for (name, type) in [("nginx-service.default.svc.cluster.local.", DNSRecordType.a),
                             ("_http._tcp.web.default.svc.cluster.local.", .srv), ("10.0.96.10.in-addr.arpa.", .ptr),
                             ("example.com.", .aaaa)] {
            if let n = try? DNSName(name), let bytes = try? DNSMessage.query(id: 0x1234, name: n, type: type).encode() {
                out.append(bytes)
            }
        }
        // A response with a compression pointer (0xC00C) back to the question's name.
        out.append([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                    3, 0x77, 0x65, 0x62, 0, 0, 1, 0, 1,
                    0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, 1])
        return out
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        guard let message = try? DNSMessage(decoding: input) else { return .refused }
        guard let bytes = try? message.encode() else {
            // A decoded message too large to encode again (65,535 bytes) is not the decoder's mistake.
            return .accepted
        }
        guard let again = try? DNSMessage(decoding: bytes) else { return .problem("the re-encoded message does not decode") }
        return again == message ? .accepted : .problem("the re-encoded message decodes differently")
    }
}
