import NIOCore
import NIOHTTP1

/// What a backend connection tells the client-side handler it is serving (on their shared event loop).
protocol BackendResponseSink: AnyObject {
    func backendResponseHead(_ head: HTTPResponseHead)
    func backendResponseBody(_ body: ByteBuffer)
    /// The response is complete; `reusable` when the backend keeps the connection open for another request.
    func backendResponseEnd(reusable: Bool)
    func backendFlush()
    /// The backend can (or cannot) take more of the request body: the client is read accordingly.
    func backendWritabilityChanged(writable: Bool)
    /// The connection failed or closed before the response ended; `timedOut` when it went silent.
    func backendFailed(timedOut: Bool)
    /// The backend answered 101: both connections now become a byte relay.
    func backendSwitchedProtocols(_ head: HTTPResponseHead, backend: BackendConnection)
}

/// One keep-alive HTTP/1.1 connection to an endpoint: the last handler of the backend channel, serving one
/// request at a time for whichever client-side handler it is attached to, and parked in its event loop's
/// `BackendPool` between requests.
final class BackendConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let endpoint: BackendEndpoint
    weak var pool: BackendPool?
    weak var sink: (any BackendResponseSink)?
    private(set) var context: ChannelHandlerContext?
    private var keepAlive = true
    /// A 101 whose message end has not been decoded yet: the switch waits for it, so the decoder has
    /// finished with the handshake before it leaves the pipeline.
    private var switching: HTTPResponseHead?
    private var closed = false
    /// Requests this connection has carried; a request on a reused connection may meet a close the backend
    /// sent while it sat idle, and is then retried on a new one.
    private(set) var requestsServed = 0

    init(endpoint: BackendEndpoint) {
        self.endpoint = endpoint
    }

    var channel: (any Channel)? { context?.channel }
    var isUsable: Bool { !closed && (context?.channel.isActive ?? false) }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Takes a request: the parts that follow go to `sink`'s response.
    func attach(_ sink: any BackendResponseSink) {
        self.sink = sink
        keepAlive = true
        requestsServed += 1
    }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() { context?.flush() }

    /// Reads from the backend are paused while the client cannot take more of the response.
    private(set) var readsPaused = false

    func pauseReads(_ paused: Bool) {
        guard paused != readsPaused, let channel = context?.channel else { return }
        readsPaused = paused
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: !paused)
    }

    func close() {
        closed = true
        sink = nil
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            if head.status == .switchingProtocols {
                switching = head
                return
            }
            sink?.backendResponseHead(head)
        case .body(let body):
            sink?.backendResponseBody(body)
        case .end:
            if let head = switching {
                let s = sink
                sink = nil
                switching = nil
                // Outside the decoder's callback: the switch removes the decoder.
                context.eventLoop.assumeIsolated().execute { s?.backendSwitchedProtocols(head, backend: self) }
                return
            }
            let s = sink
            sink = nil
            s?.backendResponseEnd(reusable: keepAlive && isUsable)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) { sink?.backendFlush() }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        sink?.backendWritabilityChanged(writable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        pool?.forget(self)
        let s = sink
        sink = nil
        s?.backendFailed(timedOut: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Silent for the read timeout: an idle pooled connection is retired; a request waiting on it fails
        // with a 504, as ingress-nginx's proxy-read-timeout.
        let s = sink
        sink = nil
        closed = true
        context.close(promise: nil)
        s?.backendFailed(timedOut: true)
    }
}
