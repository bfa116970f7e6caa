import NIOCore

/// Where a listener reports each answered query (nil: nowhere), and under which `server` label.
struct DNSQueryReporting: Sendable {
    let metrics: DNSMetrics
    let server: String

    /// Answers `packet` through `resolver`, counting it when answered.
    func serve(_ resolver: ClusterResolver, _ packet: [UInt8], overUDP: Bool, client: SocketAddress?) -> [UInt8]? {
        let start = ContinuousClock.now
        guard let served = resolver.serve(packet: packet, overUDP: overUDP) else { return nil }
        let elapsed = start.duration(to: .now)
        var family = 1
        if case .v6? = client { family = 2 }
        metrics.observe(server: server, proto: overUDP ? "udp" : "tcp", family: family, served: served,
                        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return served.reply
    }
}

extension Optional where Wrapped == DNSQueryReporting {
    func serve(_ resolver: ClusterResolver, _ packet: [UInt8], overUDP: Bool, client: SocketAddress?) -> [UInt8]? {
        guard let reporting = self else { return resolver.respond(toPacket: packet, overUDP: overUDP) }
        return reporting.serve(resolver, packet, overUDP: overUDP, client: client)
    }
}

/// Answers one UDP datagram per read. Resolution is in-memory and quick, so it runs right on the event
/// loop; writes are flushed once per read burst.
final class DNSUDPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let resolver: ClusterResolver
    let reporting: DNSQueryReporting?
    init(resolver: ClusterResolver, reporting: DNSQueryReporting? = nil) {
        self.resolver = resolver
        self.reporting = reporting
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: buffer.readableBytes),
              let reply = reporting.serve(resolver, bytes, overUDP: true, client: envelope.remoteAddress) else { return }
        let out = context.channel.allocator.buffer(bytes: reply)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: out)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A datagram error (say ICMP port unreachable surfacing as ECONNREFUSED) must not close the socket.
    }
}

/// Splits a TCP stream into DNS messages: each is preceded by its length in two bytes (RFC 1035 §4.2.2).
struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }
}

/// Answers each framed query on a TCP connection, framing the answer; closes idle connections.
final class DNSTCPHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let resolver: ClusterResolver
    let reporting: DNSQueryReporting?
    init(resolver: ClusterResolver, reporting: DNSQueryReporting? = nil) {
        self.resolver = resolver
        self.reporting = reporting
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        guard let reply = reporting.serve(resolver, bytes, overUDP: false, client: context.channel.remoteAddress) else {
            context.close(promise: nil)
            return
        }
        var out = context.channel.allocator.buffer(capacity: reply.count + 2)
        out.writeInteger(UInt16(reply.count))
        out.writeBytes(reply)
        context.write(wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) { context.flush() }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
