import NIOCore
import NIOWebSocket

/// A client WebSocket opened by `WebSocketDialer`: the negotiated subprotocol and the frame channel.
///
/// `run` gives the body a reader of whole messages (pings answered, fragments joined, ending at the peer's
/// close) and a writer that masks every frame, as RFC 6455 requires of clients; the connection closes when
/// the body returns.
public struct DialedWebSocket: Sendable {
    let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    /// The `Sec-WebSocket-Protocol` the server chose (nil if it chose none).
    public let subprotocol: String?

    public func run<Result: Sendable>(
        _ body: (_ messages: ClientMessages, _ writer: ClientFrameWriter) async throws -> Result
    ) async throws -> Result {
        try await channel.executeThenClose { inbound, outbound in
            let writer = ClientFrameWriter(outbound: outbound)
            return try await body(ClientMessages(inbound: inbound, writer: writer), writer)
        }
    }
}

/// Writes masked client frames.
public struct ClientFrameWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    public func binary(_ data: ByteBuffer) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: data))
    }

    /// A close frame with a status code (1000 = normal closure).
    public func close(code: UInt16 = 1000) async throws {
        var data = ByteBuffer()
        data.writeInteger(code)
        try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
    }

    func pong(_ data: ByteBuffer) async throws {
        try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: data))
    }
}

/// The data messages of a client WebSocket; control frames are handled on the way.
public struct ClientMessages: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let inbound: NIOAsyncChannelInboundStream<WebSocketFrame>
    let writer: ClientFrameWriter

    public struct AsyncIterator: AsyncIteratorProtocol {
        var frames: NIOAsyncChannelInboundStream<WebSocketFrame>.AsyncIterator
        let writer: ClientFrameWriter
        var closed = false

        public mutating func next() async throws -> ByteBuffer? {
            guard !closed else { return nil }
            var message: ByteBuffer?
            while let frame = try await frames.next() {
                switch frame.opcode {
                case .ping:
                    try? await writer.pong(frame.unmaskedData)
                case .pong:
                    continue
                case .connectionClose:
                    closed = true
                    try? await writer.close()
                    return nil
                case .binary, .text, .continuation:
                    var data = frame.unmaskedData
                    if message == nil { message = data } else { message!.writeBuffer(&data) }
                    if frame.fin { return message }
                default:
                    continue
                }
            }
            closed = true
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(frames: inbound.makeAsyncIterator(), writer: writer)
    }
}
