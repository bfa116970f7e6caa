import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import KubeStreaming

#if canImport(Glibc)
import Glibc
#endif

/// Two ends of a Unix socket pair, each with the SPDY codec: sessions talk to each other, or a test plays
/// the peer frame by frame.
func spdyPair() async throws -> (SPDYConnection, SPDYConnection) {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw SPDYProtocolError("socketpair failed") }
    func connection(_ fd: Int32) async throws -> SPDYConnection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).withConnectedSocket(fd) { channel in
            channel.eventLoop.makeCompletedFuture { try SPDYConnection.adopt(channel, streamProtocol: nil) }
        }
    }
    return (try await connection(fds[0]), try await connection(fds[1]))
}

var acceptingServer: SPDYSession.Configuration {
    var c = SPDYSession.Configuration()
    c.acceptsPeerStreams = true
    return c
}

func enforcing() -> SPDYSession.Configuration {
    var c = SPDYSession.Configuration()
    c.peerWindowPolicy = .enforce
    return c
}

func bytes(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: count) }

@Suite(.timeLimit(.minutes(1))) struct SPDYSessionTests {
    @Test func finishHalfClosesAndTheOtherDirectionGoesOn() async throws {
        let (clientEnd, serverEnd) = try await spdyPair()
        async let server: String = serverEnd.run(role: .server, configuration: acceptingServer) { session in
            var streams = session.peerStreams.makeAsyncIterator()
            let stream = try #require(await streams.next())
            #expect(stream.headers["streamtype"] == "stdin")
            let all = try await stream.inbound.collect()  // ends only at the client's FIN
            try await stream.write(ByteBuffer(string: String(buffer: all).uppercased()))
            try await stream.finish()
            return String(buffer: all)
        }
        let echoed = try await clientEnd.run(role: .client) { session in
            let stream = try await session.openStream(headers: ["streamType": "stdin"])
            #expect(stream.id == 1)
            try await stream.write(ByteBuffer(string: "abc"))
            try await stream.finish()
            await #expect(throws: SPDYSessionError.streamFinished(1)) { try await stream.write(ByteBuffer(string: "late")) }
            return String(buffer: try await stream.inbound.collect())
        }
        #expect(echoed == "ABC")
        #expect(try await server == "abc")
    }

    @Test func aSenderWaitsForTheReceiverToConsume() async throws {
        let (clientEnd, serverEnd) = try await spdyPair()
        let release = AsyncStream<Void>.makeStream()
        async let received: Int = serverEnd.run(role: .server, configuration: acceptingServer) { session in
            var streams = session.peerStreams.makeAsyncIterator()
            let stream = try #require(await streams.next())
            for await _ in release.stream { break }  // consume nothing until told
            return try await stream.inbound.collect().readableBytes
        }
        try await clientEnd.run(role: .client, configuration: enforcing()) { session in
            let stream = try await session.openStream(headers: ["streamtype": "stdin"])
            let writing = Task { try await stream.write(bytes(200_000)); try await stream.finish() }
            // Stays: the writer fills the 64 KiB window and parks; no signal says it has parked.
            try await Task.sleep(for: .milliseconds(300))
            #expect(session.sendWindows.window(of: stream.id) == 0, "stopped at the 64 KiB window")
            #expect(session.sendWindows.session == 0)
            release.continuation.finish()
            try await writing.value  // the receiver's WINDOW_UPDATEs let the rest go
        }
        #expect(try await received == 200_000)
    }

    @Test func aPeerWithoutFlowControlIsNotWaitedForUnlessEnforced() async throws {
        for policy in [SPDYPeerWindowPolicy.enforceOnceAnnounced, .enforce] {
            let (clientEnd, peerEnd) = try await spdyPair()
            // The peer plays moby/spdystream: it replies, counts data, and never sends a WINDOW_UPDATE…
            let seen = Mutex(0)
            let peer = Task {
                try await peerEnd.channel.executeThenClose { inbound, outbound in
                    for try await frame in inbound {
                        switch frame {
                        case .synStream(let id, _, _, _, _, _):
                            try await outbound.write(.synReply(streamID: id, headers: [:], fin: false))
                        case .data(let id, let data, let fin):
                            let total = seen.withLock { $0 += data.readableBytes; return $0 }
                            if fin { return }
                            // …except when the test enforces windows, to show that one update unblocks it.
                            if policy == .enforce && total == 65536 {
                                try await Task.sleep(for: .milliseconds(300))
                                #expect(seen.withLock { $0 } == 65536, "nothing beyond the window without an update")
                                try await outbound.write(.windowUpdate(streamID: id, delta: 1 << 20))
                                try await outbound.write(.windowUpdate(streamID: 0, delta: 1 << 20))
                            }
                        default:
                            continue
                        }
                    }
                }
            }
            var configuration = SPDYSession.Configuration()
            configuration.peerWindowPolicy = policy
            try await clientEnd.run(role: .client, configuration: configuration) { session in
                let stream = try await session.openStream(headers: ["streamtype": "stdin"])
                try await stream.write(bytes(1 << 20))
                try await stream.finish()
            }
            try await peer.value
            #expect(seen.withLock { $0 } == 1 << 20)
        }
    }

    @Test func aPeerOverrunningItsWindowIsPacedAndNothingIsLost() async throws {
        // moby/spdystream sends what it has, windows or not; the session stops reading past its buffer
        // limit and must read on as the consumer drains (once, it did not wake up and the exec hung).
        let (clientEnd, peerEnd) = try await spdyPair()
        let peer = Task {
            try await peerEnd.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard case .synStream(let id, _, _, _, _, _) = try await frames.next() else { return }
                try await outbound.write(.synReply(streamID: id, headers: [:], fin: false))
                for _ in 0..<32 { try await outbound.write(.data(streamID: id, data: bytes(16384), fin: false)) }
                try await outbound.write(.data(streamID: id, data: ByteBuffer(), fin: true))
                while try await frames.next() != nil {}
            }
        }
        let received = try await clientEnd.run(role: .client) { session in
            let stream = try await session.openStream(headers: ["streamtype": "stdout"])
            try await Task.sleep(for: .milliseconds(200))  // the read loop is parked on the full buffer by now
            var total = 0
            for try await chunk in stream.inbound {
                total += chunk.readableBytes
                // Stays: a slow reader, so that the writer keeps meeting the window.
                try await Task.sleep(for: .milliseconds(2))
            }
            return total
        }
        #expect(received == 32 * 16384)
        try await peer.value
    }

    @Test func pingsFromThePeerAreAnsweredAndResetsAndGoAwayEndStreams() async throws {
        let (clientEnd, peerEnd) = try await spdyPair()
        let peer = Task {
            try await peerEnd.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard case .synStream(let id, _, _, _, _, _) = try await frames.next() else { Issue.record("no SYN_STREAM"); return }
                try await outbound.write(.ping(id: 1))  // odd: a client's id, so not the peer's to answer
                try await outbound.write(.ping(id: 2))
                #expect(try await frames.next() == .ping(id: 2))
                try await outbound.write(.synReply(streamID: id, headers: [:], fin: false))
                try await outbound.write(.data(streamID: id, data: ByteBuffer(string: "x"), fin: false))
                try await outbound.write(.rstStream(streamID: id, status: SPDYResetStatus.cancel))
                try await outbound.write(.goAway(lastGoodStreamID: 0, status: 0))
                #expect(try await frames.next() == .goAway(lastGoodStreamID: 0, status: 0), "the client's own GOAWAY at its end")
            }
        }
        try await clientEnd.run(role: .client) { session in
            let stream = try await session.openStream(headers: ["streamtype": "error"])
            #expect(String(buffer: try await stream.inbound.collect()) == "x", "data before the reset is kept")
            await #expect(throws: SPDYSessionError.streamReset(1, SPDYResetStatus.cancel)) { try await stream.write(ByteBuffer(string: "y")) }
            // Stays: the peer's GOAWAY is in flight; nothing signals its arrival.
            try await Task.sleep(for: .milliseconds(100))
            await #expect(throws: SPDYSessionError.sessionClosed) { _ = try await session.openStream(headers: ["streamtype": "stdin"]) }
        }
        try await peer.value
    }

    @Test func theConnectionClosingEndsEveryStream() async throws {
        let (clientEnd, peerEnd) = try await spdyPair()
        let peer = Task {
            try await peerEnd.channel.executeThenClose { inbound, outbound in
                var frames = inbound.makeAsyncIterator()
                guard case .synStream(let id, _, _, _, _, _) = try await frames.next() else { return }
                try await outbound.write(.synReply(streamID: id, headers: [:], fin: false))
                try await outbound.write(.data(streamID: id, data: ByteBuffer(string: "bye"), fin: false))
            }  // closes the socket
        }
        try await clientEnd.run(role: .client) { session in
            let stream = try await session.openStream(headers: ["streamtype": "stdout"])
            #expect(String(buffer: try await stream.inbound.collect()) == "bye")
        }
        try await peer.value
    }
}
