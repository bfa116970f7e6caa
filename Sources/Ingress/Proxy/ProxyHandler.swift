import NIOCore
import NIOHTTP1

/// The reverse proxy for one client connection (HTTP/1.1) or one HTTP/2 stream: routes each request by
/// Host and path, passes it to a pooled keep-alive connection to one of the backend's endpoints, and
/// streams the body both ways as it comes, with backpressure. A WebSocket handshake the backend accepts
/// turns both connections into a byte relay.
///
/// Everything runs on the client channel's event loop: the backend connection is dialled on it, so the two
/// handlers call each other directly.
///
/// HTTP/1.1 pipelining is handled here rather than by NIO's `HTTPServerPipelineHandler`: that handler
/// withholds the channel's next read until every response has ended, which takes the socket out of epoll
/// and puts it back (two `epoll_ctl` calls) for every request of a keep-alive connection. Here a request
/// that arrives while the previous exchange is still under way waits in `pipelined`, and only then are the
/// client's reads paused.
final class ProxyHandler: ChannelInboundHandler, RemovableChannelHandler, BackendResponseSink {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Configuration: Sendable {
        var routes: RouteSource
        var pools: BackendPools
        var scheme: String
        var port: Int
        var isHTTP2: Bool
    }

    private enum State {
        case idle
        /// Dialling a backend; request parts wait in `buffered`.
        case connecting
        case forwarding(BackendConnection)
        /// The proxy answered itself (or the backend answered early): the rest of the request is dropped.
        case draining
        case relaying
    }

    /// A request body up to this size is kept so the request can be sent again when a reused backend
    /// connection turns out to have been closed under it.
    static let replayLimit = 64 * 1024

    private let configuration: Configuration
    private var context: ChannelHandlerContext?
    private var pool: BackendPool?
    private var state = State.idle
    private var clientHead: HTTPRequestHead?
    private var backendHead: HTTPRequestHead?
    private var buffered: [HTTPClientRequestPart] = []
    private var bufferedBytes = 0
    private var replayable = true
    private var retried = false
    private var requestEnded = false
    private var responseStarted = false
    private var closeAfterResponse = false
    private var isUpgradeRequest = false
    private var endpoint: BackendEndpoint?
    /// Counts requests, so a dial that completes after its request was abandoned is recognised.
    private var generation = 0

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        pool = configuration.pools.pool(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    // MARK: client → backend

    /// Parts of requests that arrived while the exchange before them was under way, in order.
    private var pipelined: [HTTPServerRequestPart] = []
    private var replaying = false
    /// A later request could not be parsed: the connection closes once the exchange under way is over.
    private var closeWhenDone = false

    /// The current request has been received in full and its exchange is not over yet: what arrives now
    /// belongs to a request after it.
    private var exchangeUnderWay: Bool {
        if case .idle = state { return false }
        return requestEnded
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if closeWhenDone { return }
        if !pipelined.isEmpty || exchangeUnderWay {
            pipelined.append(part)
            updateClientReads()
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            start(head, context: context)
        case .body(let body):
            send(.body(.byteBuffer(body)), bytes: body.readableBytes)
        case .end(let trailers):
            requestEnded = true
            if case .draining = state { finishExchange() } else { send(.end(trailers), bytes: 0) }
        }
    }

    private func send(_ part: HTTPClientRequestPart, bytes: Int) {
        switch state {
        case .connecting:
            buffered.append(part)
            bufferedBytes += bytes
        case .forwarding(let backend):
            if replayable {
                bufferedBytes += bytes
                if bufferedBytes <= Self.replayLimit { buffered.append(part) } else { replayable = false; buffered = [] }
            }
            backend.write(part)
            if case .end = part { backend.flush() }
        case .idle, .draining, .relaying:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .forwarding(let backend) = state { backend.flush() }
        context.fireChannelReadComplete()
    }

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        generation &+= 1
        clientHead = head
        buffered = []
        bufferedBytes = 0
        replayable = true
        retried = false
        requestEnded = false
        responseStarted = false
        isUpgradeRequest = !configuration.isHTTP2 && ForwardedHeaders.isUpgrade(head)
        closeAfterResponse = !configuration.isHTTP2 && !head.isKeepAlive

        let hostHeader = head.headers.first(name: "host") ?? ""
        let host = IngressHostMatch.requestHost(hostHeader)
        let decision = configuration.routes.current.route(host: host, path: RoutingTable.requestPath(head.uri))
        guard case .backend(let backend) = decision else { return respondLocally(.notFound) }
        guard let pool, let endpoint = pool.pick(backend) else { return respondLocally(.serviceUnavailable) }
        self.endpoint = endpoint

        if !configuration.isHTTP2, head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        backendHead = ForwardedHeaders.backendRequest(head, host: hostHeader, origin: origin(context), upgrade: isUpgradeRequest)
        dispatch(fresh: false)
    }

    /// Where this connection's requests come from, worked out on its first request: the client's address
    /// (formatted by `inet_ntop`) and the port's text are the same for every request of a keep-alive connection.
    private var cachedOrigin: ForwardedHeaders.Origin?

    private func origin(_ context: ChannelHandlerContext) -> ForwardedHeaders.Origin {
        if let cachedOrigin { return cachedOrigin }
        let clientIP = (context.channel.remoteAddress ?? context.channel.parent?.remoteAddress)?.ipAddress
        let origin = ForwardedHeaders.Origin(clientIP: clientIP, scheme: configuration.scheme, port: configuration.port)
        cachedOrigin = origin
        return origin
    }

    /// Sends the request on an idle pooled connection, or dials a new one (`fresh` skips the pool: a retry).
    private func dispatch(fresh: Bool) {
        guard let pool, let endpoint else { return }
        if !fresh, let backend = pool.takeIdle(endpoint) { return attach(backend) }
        state = .connecting
        let generation = self.generation
        pool.connect(endpoint).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard let backend = pool.adopt(channel) else { channel.close(promise: nil); return }
                guard generation == self.generation, case .connecting = self.state, self.context != nil else {
                    pool.release(backend)
                    return
                }
                self.attach(backend)
            case .failure:
                guard generation == self.generation, case .connecting = self.state else { return }
                self.respondLocally(.badGateway)
            }
        }
    }

    private func attach(_ backend: BackendConnection) {
        guard let backendHead else { return }
        backend.attach(self)
        state = .forwarding(backend)
        backend.write(.head(backendHead))
        for part in buffered { backend.write(part) }
        // What was held while dialling is kept for a retry only while it is within the replay limit.
        if bufferedBytes > Self.replayLimit { replayable = false }
        if !replayable { buffered = [] }
        backend.flush()
    }

    // MARK: backend → client

    func backendResponseHead(_ head: HTTPResponseHead) {
        guard let context, let clientHead else { return }
        responseStarted = true
        // A refused upgrade leaves the request decoder stopped: this connection carries nothing more.
        if isUpgradeRequest { closeAfterResponse = true }
        let out = ForwardedHeaders.clientResponse(head, version: clientHead.version, close: closeAfterResponse)
        context.write(wrapOutboundOut(.head(out)), promise: nil)
    }

    func backendResponseBody(_ body: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        if !context.channel.isWritable, case .forwarding(let backend) = state {
            // The client is slower than the backend: stop reading the backend until it catches up.
            backend.pauseReads(true)
        }
    }

    func backendFlush() { context?.flush() }

    func backendResponseEnd(reusable: Bool) {
        guard case .forwarding(let backend) = state else { return }
        if reusable && requestEnded {
            pool?.release(backend)
        } else {
            backend.close()
        }
        // The request's remaining body (if any) is read and dropped.
        backendBlocked = false
        updateClientReads()
        state = .draining
        endResponse()
    }

    func backendFailed(timedOut: Bool) {
        guard case .forwarding(let backend) = state else { return }
        if !responseStarted && !timedOut && replayable && !retried && backend.requestsServed > 1 {
            // A pooled connection the backend had closed while idle: try once more on a new one.
            retried = true
            return dispatch(fresh: true)
        }
        if responseStarted {
            // The response is cut short; the client must see that, not a truncated success.
            state = .idle
            context?.close(promise: nil)
            return
        }
        respondLocally(timedOut ? .gatewayTimeout : .badGateway)
    }

    func backendWritabilityChanged(writable: Bool) {
        backendBlocked = !writable
        updateClientReads()
    }

    /// The backend cannot take more of the request body.
    private var backendBlocked = false
    private var clientReadsPaused = false

    /// Reads from the client are paused while the backend cannot take more of the request body, and while
    /// pipelined requests wait (a client cannot make the proxy hold more than what it has already read).
    private func updateClientReads() {
        let paused = backendBlocked || !pipelined.isEmpty || closeWhenDone
        guard paused != clientReadsPaused, let channel = context?.channel else { return }
        clientReadsPaused = paused
        try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: !paused)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .forwarding(let backend) = state { backend.pauseReads(false) }
        context.fireChannelWritabilityChanged()
    }

    func backendSwitchedProtocols(_ head: HTTPResponseHead, backend: BackendConnection) {
        guard let context, isUpgradeRequest, let backendChannel = backend.channel else {
            backend.close()
            respondLocally(.badGateway)
            return
        }
        state = .relaying
        // The 101 goes out with the backend's own Upgrade and Connection headers.
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .switchingProtocols, headers: head.headers))))
            .assumeIsolated().whenComplete { result in
                guard case .success = result else {
                    backendChannel.close(promise: nil)
                    return
                }
                do {
                    try ProtocolSwitch.relay(client: context.channel, backend: backendChannel)
                } catch {
                    backendChannel.close(promise: nil)
                    context.channel.close(promise: nil)
                }
            }
    }

    // MARK: answers of its own

    private func respondLocally(_ status: HTTPResponseStatus) {
        guard let context, let clientHead else { return }
        if case .forwarding(let backend) = state { backend.close() }
        state = .draining
        responseStarted = true
        if isUpgradeRequest { closeAfterResponse = true }
        let body = ErrorPages.body(status)
        var headers = HTTPHeaders([("Content-Type", "text/html"), ("Content-Length", String(body.utf8.count))])
        if closeAfterResponse && clientHead.version == .http1_1 { headers.add(name: "Connection", value: "close") }
        let version = clientHead.version.major == 1 ? clientHead.version : .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if clientHead.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        endResponse()
    }

    /// Writes the response's end; the exchange is over once the request has ended too. Only a response
    /// that closes the connection asks to hear when the end is written: a promise costs an allocation and
    /// makes the encoder issue an empty write, for every request of a keep-alive connection.
    private func endResponse() {
        guard let context else { return }
        if closeAfterResponse {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if requestEnded { finishExchange() }
    }

    private func finishExchange() {
        guard case .draining = state else { return }
        state = .idle
        backendBlocked = false
        buffered = []
        backendHead = nil
        if closeWhenDone {
            context?.close(promise: nil)
            return
        }
        if !pipelined.isEmpty && !replaying { replayPipelined() }
        updateClientReads()
    }

    /// Hands on the requests that waited, until one of them is under way in its turn.
    private func replayPipelined() {
        guard let context else { return }
        replaying = true
        while !pipelined.isEmpty && !exchangeUnderWay && !closeWhenDone {
            handle(pipelined.removeFirst(), context: context)
        }
        replaying = false
        // Outside a read burst: no channelReadComplete follows to flush what went to the backend.
        if case .forwarding(let backend) = state { backend.flush() }
        updateClientReads()
    }

    // MARK: connection events

    func channelInactive(context: ChannelHandlerContext) {
        if case .forwarding(let backend) = state { backend.close() }
        state = .idle
        pipelined = []
        generation &+= 1
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, case .idle = state {
            // A keep-alive connection with no request for the idle timeout is closed, as nginx's keepalive_timeout.
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError || error is ByteToMessageDecoderError else {
            context.close(promise: nil)
            return
        }
        if exchangeUnderWay || closeWhenDone {
            // A later, pipelined request could not be parsed (or bytes came after that): the exchange under
            // way still gets its response, then the connection closes.
            closeWhenDone = true
            closeAfterResponse = true
            pipelined = []
            updateClientReads()
            return
        }
        // The request being read is malformed: a 400 unless a response to it is being written, then the
        // connection closes, as NIO's HTTPServerProtocolErrorHandler answers.
        var responseUnterminated = false
        switch state {
        case .forwarding(let backend):
            responseUnterminated = responseStarted
            backend.close()
        case .relaying:
            responseUnterminated = true
        case .idle, .connecting, .draining:
            break
        }
        state = .draining
        if !responseUnterminated {
            let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }
}
