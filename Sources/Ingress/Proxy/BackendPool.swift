import NIOCore
import NIOHTTP1
import Synchronization

/// Idle keep-alive connections to backend endpoints, for one event loop (so it needs no lock: only handlers
/// on that loop touch it), and the round-robin position of each backend.
final class BackendPool {
    let eventLoop: any EventLoop
    let dialer: any BackendDialer
    /// How long a backend may stay silent while a request waits on it, and how long an idle connection is kept.
    let readTimeout: TimeAmount
    /// Idle connections kept per endpoint (nginx's upstream `keepalive` is 320 per worker in ingress-nginx).
    let maxIdlePerEndpoint = 64
    private var idle: [BackendEndpoint: [BackendConnection]] = [:]
    private var nextIndex: [BackendKey: Int] = [:]

    /// A backend's round-robin key: the two Strings as they are, not joined into a new one per request.
    private struct BackendKey: Hashable {
        var service: String
        var servicePort: String
    }

    init(eventLoop: any EventLoop, dialer: any BackendDialer, readTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.dialer = dialer
        self.readTimeout = readTimeout
    }

    /// The next endpoint of `backend` in turn; nil when it has none.
    func pick(_ backend: ResolvedBackend) -> BackendEndpoint? {
        guard !backend.endpoints.isEmpty else { return nil }
        let key = BackendKey(service: backend.service, servicePort: backend.servicePort)
        let i = nextIndex[key, default: 0]
        nextIndex[key] = i &+ 1
        return backend.endpoints[i % backend.endpoints.count]
    }

    /// An idle connection to `endpoint`, if one is still open. The list is changed in place in the
    /// dictionary: a copy taken out and stored back would copy the array on every request.
    func takeIdle(_ endpoint: BackendEndpoint) -> BackendConnection? {
        while let c = idle[endpoint]?.popLast() {
            if c.isUsable { return c }
        }
        return nil
    }

    /// A new connection to `endpoint`, dialled on this loop; `adopt` it once connected.
    func connect(_ endpoint: BackendEndpoint) -> EventLoopFuture<any Channel> {
        let readTimeout = self.readTimeout
        return dialer.connect(to: endpoint, on: eventLoop) { channel in
            channel.eventLoop.makeCompletedFuture {
                let ops = channel.pipeline.syncOperations
                try ops.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes)
                try ops.addHandler(IdleStateHandler(readTimeout: readTimeout))
                try ops.addHandler(BackendConnection(endpoint: endpoint))
            }
        }
    }

    /// The connection handler of a channel `connect` made (on this loop).
    func adopt(_ channel: any Channel) -> BackendConnection? {
        guard let c = try? channel.pipeline.syncOperations.handler(type: BackendConnection.self) else { return nil }
        c.pool = self
        return c
    }

    /// Parks a connection whose response ended cleanly, or closes it when enough are parked.
    func release(_ c: BackendConnection) {
        guard c.isUsable else { return }
        c.pauseReads(false)
        guard idle[c.endpoint]?.count ?? 0 < maxIdlePerEndpoint else { c.close(); return }
        // Appended in place (an emptied list stays in the dictionary, its storage reused).
        idle[c.endpoint, default: []].append(c)
    }

    /// Drops a connection that closed.
    func forget(_ c: BackendConnection) {
        idle[c.endpoint]?.removeAll { $0 === c }
        // The hot path leaves an emptied list in place; it goes with the endpoint's last connection.
        if idle[c.endpoint]?.isEmpty == true { idle[c.endpoint] = nil }
    }
}

/// One `BackendPool` per event loop, made on first use from that loop.
final class BackendPools: Sendable {
    let dialer: any BackendDialer
    let readTimeout: TimeAmount
    private let pools = Mutex<[ObjectIdentifier: NIOLoopBound<BackendPool>]>([:])

    init(dialer: any BackendDialer, readTimeout: TimeAmount) {
        self.dialer = dialer
        self.readTimeout = readTimeout
    }

    /// The pool of the calling event loop (call only from `eventLoop`).
    func pool(for eventLoop: any EventLoop) -> BackendPool {
        let id = ObjectIdentifier(eventLoop as AnyObject)
        if let bound = pools.withLock({ $0[id] }) { return bound.value }
        let pool = BackendPool(eventLoop: eventLoop, dialer: dialer, readTimeout: readTimeout)
        let bound = NIOLoopBound(pool, eventLoop: eventLoop)
        pools.withLock { $0[id] = bound }
        return pool
    }
}
