import NIOCore

/// `SPDYFrameReader` in a channel pipeline: bytes in, frames out.
struct SPDYFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = SPDYFrame
    let reader: SPDYFrameReader

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try reader.read(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// `SPDYFrameWriter` in a channel pipeline: frames out as bytes. The pipeline runs on one event loop, so
/// header blocks are compressed in exactly the order they are written to the socket.
final class SPDYFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = SPDYFrame
    let writer: SPDYFrameWriter

    init(writer: SPDYFrameWriter) { self.writer = writer }

    func encode(data: SPDYFrame, out: inout ByteBuffer) throws {
        try writer.write(data, into: &out)
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// Adds the SPDY/3.1 frame codec (after an upgrade has removed the HTTP handlers).
    func addSPDYFrameCodec() throws {
        try addHandler(ByteToMessageHandler(SPDYFrameDecoder(reader: try SPDYFrameReader())))
        try addHandler(MessageToByteHandler(SPDYFrameEncoder(writer: try SPDYFrameWriter())))
    }
}
