import NIOCore
import NIOHTTP1

/// Turns a client connection and its backend connection into a byte relay once the backend has accepted a
/// protocol switch (101): every HTTP handler leaves both pipelines, and a `RelayHandler` pair joins them.
/// The request decoders go last, so whatever bytes they had read past the handshake are handed on to the
/// relay rather than lost.
enum ProtocolSwitch {
    static func relay(client: any Channel, backend: any Channel) throws {
        let (clientSide, backendSide) = RelayHandler.pair()
        let c = client.pipeline.syncOperations
        let b = backend.pipeline.syncOperations
        try c.addHandler(clientSide)
        try b.addHandler(backendSide)
        remove(ProxyHandler.self, c)
        remove(IdleStateHandler.self, c)
        remove(HTTPServerUpgradeHandler.self, c)
        remove(HTTPServerProtocolErrorHandler.self, c)
        remove(NIOHTTPResponseHeadersValidator.self, c)
        remove(HTTPServerPipelineHandler.self, c)
        remove(HTTPResponseEncoder.self, c)
        remove(ByteToMessageHandler<HTTPRequestDecoder>.self, c)
        remove(BackendConnection.self, b)
        remove(IdleStateHandler.self, b)
        remove(NIOHTTPRequestHeadersValidator.self, b)
        remove(HTTPRequestEncoder.self, b)
        remove(ByteToMessageHandler<HTTPResponseDecoder>.self, b)
        // The pipeline handler held reads back while the handshake's response was pending.
        client.read()
        backend.read()
    }

    private static func remove<H: RemovableChannelHandler>(_ type: H.Type, _ ops: ChannelPipeline.SynchronousOperations) {
        guard let h = try? ops.handler(type: type) else { return }
        ops.removeHandler(h, promise: nil)
    }
}
