import NIOCore

/// Answers a gRPC server's HTTP/2 PING frames before swift-nio-http2 sees them (for the kubelet's CRI client
/// and the etcd store's clients: containerd and etcd are both grpc-go servers).
///
/// ## Why
/// containerd's gRPC server (grpc-go) estimates bandwidth-delay product by sending a PING each time a
/// request's DATA arrives while no PING is outstanding — on a local socket, about one PING per call.
/// swift-nio-http2 counts inbound PINGs as a denial-of-service signal and, past 200 in 30 seconds (a
/// limit grpc-swift-nio-transport does not expose), closes the connection: every call in flight then
/// fails with "Stream unexpectedly closed" and containerd cancels its handler — a StartContainer
/// becomes a StartError, a RunPodSandbox leaves its name reserved. A kubelet makes more than 6.7 CRI
/// calls a second whenever it is busy, so this happened every few thousand calls (see
/// SwiftTests/CRITests/CRIConnectionStressTests).
///
/// etcd does the same under load: a burst of a few hundred concurrent writes closed the etcd store's
/// connection the same way (the etcd conformance tests of many concurrent writers).
///
/// A peer that is only polling our liveness is harmless here (the runtime is a local process Skiff
/// starts; etcd is a server the cluster's operator named), so this handler, first in the connection's pipeline, takes each PING without the ACK flag
/// out of the inbound bytes and writes the ACK itself, as RFC 9113 §6.7 asks; everything else passes
/// through byte for byte. It reads only frame headers (RFC 9113 §4.1) to find frame boundaries.
public final class PingResponder: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    static let frameHeaderLength = 9
    static let pingType: UInt8 = 0x6
    static let ackFlag: UInt8 = 0x1
    static let pingPayloadLength = 8

    /// Bytes of a frame header (or of a whole PING) not yet complete.
    private var pending: ByteBuffer?
    /// Payload bytes of the current (non-PING) frame still to pass through unread.
    private var passThrough = 0
    /// PINGs answered on this connection (for tests and debugging).
    public private(set) var answered = 0

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        if var held = pending {
            held.writeBuffer(&input)
            input = held
            pending = nil
        }
        var output = context.channel.allocator.buffer(capacity: input.readableBytes)
        var acks: [ByteBuffer] = []
        while input.readableBytes > 0 {
            if passThrough > 0 {
                let n = min(passThrough, input.readableBytes)
                var slice = input.readSlice(length: n)!
                output.writeBuffer(&slice)
                passThrough -= n
                continue
            }
            guard let header = Self.header(in: input) else {
                pending = input.readSlice(length: input.readableBytes)
                break
            }
            if header.isPingRequest {
                guard input.readableBytes >= Self.frameHeaderLength + Self.pingPayloadLength else {
                    pending = input.readSlice(length: input.readableBytes)
                    break
                }
                input.moveReaderIndex(forwardBy: Self.frameHeaderLength)
                let payload = input.readSlice(length: Self.pingPayloadLength)!
                acks.append(Self.pingAck(payload, allocator: context.channel.allocator))
                answered += 1
                continue
            }
            var headerBytes = input.readSlice(length: Self.frameHeaderLength)!
            output.writeBuffer(&headerBytes)
            passThrough = header.length
        }
        if output.readableBytes > 0 {
            context.fireChannelRead(wrapInboundOut(output))
        }
        if !acks.isEmpty {
            for ack in acks { context.write(wrapOutboundOut(ack), promise: nil) }
            context.flush()
        }
    }

    /// A frame header's fields that matter here.
    struct FrameHeader {
        var length: Int
        var type: UInt8
        var flags: UInt8
        var streamID: UInt32

        /// A PING the peer expects an answer to. One with a wrong length or on a stream is a protocol
        /// error, which is left to swift-nio-http2 to report.
        var isPingRequest: Bool {
            type == PingResponder.pingType && flags & PingResponder.ackFlag == 0 && streamID == 0
                && length == PingResponder.pingPayloadLength
        }
    }

    /// The frame header at the reader index, or nil until all nine bytes are there.
    static func header(in buffer: ByteBuffer) -> FrameHeader? {
        guard buffer.readableBytes >= frameHeaderLength,
              let bytes = buffer.getBytes(at: buffer.readerIndex, length: frameHeaderLength) else { return nil }
        let length = Int(bytes[0]) << 16 | Int(bytes[1]) << 8 | Int(bytes[2])
        let stream = (UInt32(bytes[5]) << 24 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 8 | UInt32(bytes[8])) & 0x7FFF_FFFF
        return FrameHeader(length: length, type: bytes[3], flags: bytes[4], streamID: stream)
    }

    /// A PING frame with the ACK flag carrying `payload` back.
    static func pingAck(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: frameHeaderLength + pingPayloadLength)
        frame.writeBytes([0, 0, UInt8(pingPayloadLength), pingType, ackFlag, 0, 0, 0, 0])
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }
}
