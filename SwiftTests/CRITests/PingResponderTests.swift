import NIOCore
import NIOEmbedded
import Testing

@testable import GRPCPingResponder

/// The PING responder against byte streams split at every position: what reaches swift-nio-http2 is
/// the input minus the PING requests, and each of those is answered with its payload.
@Suite struct PingResponderTests {
    static func frame(type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), type, flags,
                UInt8(stream >> 24 & 0x7F), UInt8(stream >> 16 & 0xFF), UInt8(stream >> 8 & 0xFF), UInt8(stream & 0xFF)] + payload
    }

    static let settings = frame(type: 0x4, payload: [0, 3, 0, 0, 0, 100])
    static let ping = frame(type: 0x6, payload: [1, 2, 3, 4, 5, 6, 7, 8])
    static let pingAck = frame(type: 0x6, flags: 0x1, payload: [9, 9, 9, 9, 9, 9, 9, 9])
    /// DATA whose payload happens to look like a PING frame header: must pass through untouched.
    static let data = frame(type: 0x0, flags: 0x1, stream: 1, payload: frame(type: 0x6, payload: [0, 0, 0, 0, 0, 0, 0, 0]))
    static let headers = frame(type: 0x1, flags: 0x4, stream: 3, payload: Array(repeating: 0x82, count: 40))
    static let pingOnAStream = frame(type: 0x6, stream: 5, payload: [1, 1, 1, 1, 1, 1, 1, 1])

    struct Run {
        var forwarded: [UInt8] = []
        var written: [UInt8] = []
    }

    static func run(_ chunks: [[UInt8]]) throws -> Run {
        let channel = EmbeddedChannel(handler: PingResponder())
        var run = Run()
        for chunk in chunks {
            try channel.writeInbound(ByteBuffer(bytes: chunk))
            while let b = try channel.readInbound(as: ByteBuffer.self) { run.forwarded += b.readableBytesView }
            while let b = try channel.readOutbound(as: ByteBuffer.self) { run.written += b.readableBytesView }
        }
        _ = try channel.finish()
        return run
    }

    @Test func pingRequestsAreAnsweredAndRemovedEverythingElsePassesThrough() throws {
        let stream = Self.settings + Self.ping + Self.data + Self.pingAck + Self.headers + Self.ping + Self.pingOnAStream
        let expectedForward = Self.settings + Self.data + Self.pingAck + Self.headers + Self.pingOnAStream
        let ack = Self.frame(type: 0x6, flags: 0x1, payload: [1, 2, 3, 4, 5, 6, 7, 8])
        let whole = try Self.run([stream])
        #expect(whole.forwarded == expectedForward)
        #expect(whole.written == ack + ack)
        for cut in 1..<stream.count {
            let split = try Self.run([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(split.forwarded == expectedForward, "cut at \(cut)")
            #expect(split.written == ack + ack, "cut at \(cut)")
        }
        let bytewise = try Self.run(stream.map { [$0] })
        #expect(bytewise.forwarded == expectedForward)
        #expect(bytewise.written == ack + ack)
    }

    @Test func aPingOfTheWrongLengthIsLeftForHTTP2ToRefuse() throws {
        let bad = Self.frame(type: 0x6, payload: [1, 2, 3])
        let run = try Self.run([bad + Self.settings])
        #expect(run.forwarded == bad + Self.settings)
        #expect(run.written.isEmpty)
    }
}
