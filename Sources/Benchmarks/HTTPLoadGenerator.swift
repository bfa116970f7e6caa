import NetworkNamespaces
import NIOCore
import NIOHTTP1
import NIOPosix

/// A closed-loop HTTP/1.1 load: `connections` keep-alive connections, each sending its next GET as soon as
/// the last response ended, for `duration`; every request's latency is kept. The connections are made
/// inside a network namespace when one is given, so a cluster's pods and node addresses are reached from
/// where they are routed (never from the host's own namespace).
public struct HTTPLoadGenerator: Sendable {
    public var host: String
    public var port: Int
    /// The Host header (routing through an Ingress).
    public var hostHeader: String
    public var path = "/"
    public var connections: Int
    public var duration: TimeAmount
    public var netnsPath: String?

    public init(host: String, port: Int, hostHeader: String, connections: Int, duration: TimeAmount, netnsPath: String?) {
        self.host = host
        self.port = port
        self.hostHeader = hostHeader
        self.connections = connections
        self.duration = duration
        self.netnsPath = netnsPath
    }

    public struct Result: Sendable {
        /// Seconds per request, in completion order.
        public var latencies: [Double]
        public var errors: Int
        public var elapsed: Double
        public var requestsPerSecond: Double { Double(latencies.count) / elapsed }

        /// The p-th percentile in milliseconds (nearest rank).
        public func percentile(_ p: Double) -> Double {
            nearestRankPercentile(latencies.sorted(), p).map { $0 * 1000 } ?? .nan
        }
    }

    public func run() async throws -> Result {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": hostHeader, "User-Agent": "skiff-bench"])
        var first: [any Channel] = []
        for _ in 0..<connections { first.append(try await connect(head)) }
        let start = NIODeadline.now()
        let deadline = start + duration
        let opened = first
        var result = try await withThrowingTaskGroup(of: Result.self) { group in
            for channel in opened {
                group.addTask {
                    // A server may close a keep-alive connection (nginx after 1,000 requests): the worker
                    // opens another and goes on until the deadline, as a browser would.
                    var mine = Result(latencies: [], errors: 0, elapsed: 0)
                    var channel = channel
                    while true {
                        let current = channel
                        let (latencies, errors) = try await current.eventLoop.submit {
                            try current.pipeline.syncOperations.handler(type: ClosedLoopConnection.self).start(until: deadline)
                        }.flatMap { $0 }.get()
                        mine.latencies += latencies
                        mine.errors += errors
                        try? await channel.close()
                        guard NIODeadline.now() < deadline else { return mine }
                        channel = try await connect(head)
                    }
                }
            }
            var all = Result(latencies: [], errors: 0, elapsed: 0)
            for try await r in group {
                all.latencies += r.latencies
                all.errors += r.errors
            }
            return all
        }
        result.elapsed = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        return result
    }

    func connect(_ head: HTTPRequestHead) async throws -> any Channel {
        let fd = try await NetworkNamespace.connectedSocket(netnsPath: netnsPath, kind: .stream, host: host, port: port, connectTimeout: .seconds(5))
        return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHTTPClientHandlers()
                    try ch.pipeline.syncOperations.addHandler(ClosedLoopConnection(head: head))
                }
            }
            .withConnectedSocket(fd).get()
    }
}

/// One connection of the load: the next request goes out when the previous response has ended.
final class ClosedLoopConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let head: HTTPRequestHead
    private var context: ChannelHandlerContext?
    private var deadline = NIODeadline.now()
    private var sentAt = NIODeadline.now()
    private var latencies: [Double] = []
    private var errors = 0
    private var promise: EventLoopPromise<([Double], Int)>?
    /// The server said this response is the connection's last.
    private var closing = false
    private var awaitingResponse = false

    init(head: HTTPRequestHead) { self.head = head }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func start(until deadline: NIODeadline) -> EventLoopFuture<([Double], Int)> {
        let p = context!.eventLoop.makePromise(of: ([Double], Int).self)
        promise = p
        self.deadline = deadline
        send()
        return p.futureResult
    }

    private func send() {
        guard let context else { return }
        sentAt = .now()
        awaitingResponse = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func finish() {
        let p = promise
        promise = nil
        p?.succeed((latencies, errors))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            if h.status != .ok { errors += 1 }
            closing = !h.isKeepAlive
        case .body:
            break
        case .end:
            let now = NIODeadline.now()
            awaitingResponse = false
            latencies.append(Double((now - sentAt).nanoseconds) / 1e9)
            if now < deadline && !closing { send() } else { finish() }
        }
    }

    /// Closed by the server between responses (the worker reconnects), or mid-response (an error).
    func channelInactive(context: ChannelHandlerContext) {
        if awaitingResponse { errors += 1 }
        finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
