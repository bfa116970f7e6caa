import APIMachinery
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// How to reach an API server.
public struct ClientConfig: Sendable {
    /// "http://127.0.0.1:6443" or "https://...".
    public var server: String
    public var bearerToken: String?
    /// Asked for the bearer token before every request, instead of `bearerToken`: a token that expires and
    /// is renewed (the controller manager's per-controller service-account tokens, upstream's
    /// `WrapTransport` with a cached token source).
    public var tokenSource: (any BearerTokenSource)?
    public var userAgent: String
    /// Requests that take longer fail (watches are exempt).
    public var timeout: Duration = .seconds(30)
    /// Connections kept open to the server at most (each watch holds one).
    public var maxConnections = 64
    /// Requests in flight at most, the rest waiting their turn (nil: as many as the connections carry).
    /// Watches are exempt. It plays the part of client-go's client-side rate limiter for a client that
    /// speaks for many (the node simulator's thousand kubelets), which would otherwise send more writes at
    /// once than the API server admits and be answered 429.
    public var maxConcurrentRequests: Int?
    /// PEM of the CA that signed the server's certificate (https servers).
    public var caPEM: Data?
    /// PEM client certificate and key, for servers that authenticate clients by certificate.
    public var clientCertificatePEM: Data?
    public var clientKeyPEM: Data?

    public init(server: String, bearerToken: String? = nil, userAgent: String = "skiff") {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.bearerToken = bearerToken
        self.userAgent = userAgent
    }
}

/// One event of a watch stream.
public struct WatchEvent: Sendable {
    /// ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
    public var type: String
    public var object: JSON
}

/// The client every Skiff component and tool uses to talk to the API server: JSON requests whose
/// failures come back as the server's `APIError`, and watches as async sequences of events.
public final class KubeClient: Sendable {
    public let config: ClientConfig
    let http: HTTPClient
    /// Whether `shutdown()` ends `http`: false for a client sharing another's connections.
    let ownsConnections: Bool
    /// Enforces `config.maxConcurrentRequests`.
    let inFlight: ConcurrencyLimiter?

    /// A client with `config` on the connections of `other`, whose server and TLS identity it must share:
    /// it differs only in what it puts on each request (a bearer token, its user agent). The controller
    /// manager's per-controller clients are made this way, so two dozen controllers keep a few connections
    /// to the API server rather than one pool each (and the API server a few TLS sessions). `other` owns
    /// the connections: shutting this client down leaves them open.
    public init(_ config: ClientConfig, sharingConnectionsOf other: KubeClient) {
        precondition(config.server == other.config.server && config.caPEM == other.config.caPEM
                     && config.clientCertificatePEM == other.config.clientCertificatePEM, "only the per-request credentials may differ")
        self.config = config
        http = other.http
        ownsConnections = false
        inFlight = config.maxConcurrentRequests.map { ConcurrencyLimiter(limit: max($0, 1)) }
    }

    public init(_ config: ClientConfig) {
        self.config = config
        ownsConnections = true
        inFlight = config.maxConcurrentRequests.map { ConcurrencyLimiter(limit: max($0, 1)) }
        var c = HTTPClient.Configuration()
        c.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: config.maxConnections)
        c.decompression = .disabled
        if config.server.hasPrefix("https://") {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let ca = config.caPEM, let certs = try? NIOSSLCertificate.fromPEMBytes(Array(ca)) {
                tls.trustRoots = .certificates(certs)
            }
            if let cert = config.clientCertificatePEM, let key = config.clientKeyPEM,
                let chain = try? NIOSSLCertificate.fromPEMBytes(Array(cert)),
                let pkey = try? NIOSSLPrivateKey(bytes: Array(key), format: .pem)
            {
                tls.certificateChain = chain.map { .certificate($0) }
                tls.privateKey = .privateKey(pkey)
            }
            c.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// Closes the connections. Returns once the HTTP client has shut down, or after `patience` at the
    /// latest: AsyncHTTPClient's shutdown waits for every connection's clean close, and one that carried
    /// a cancelled watch can put that off for seconds — which held every component's exit on SIGTERM until
    /// its 3 s grace ran out. The shutdown goes on without the caller; the process exiting ends it.
    public func shutdown(patience: Duration = .milliseconds(500)) async {
        guard ownsConnections else { return }
        let http = self.http
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumed = Mutex(false)
            let resume = { @Sendable in
                if !resumed.withLock({ r in defer { r = true }; return r }) { continuation.resume() }
            }
            http.shutdown(queue: .global()) { _ in resume() }
            Task {
                try? await Task.sleep(for: patience)
                resume()
            }
        }
    }

    func makeRequest(_ method: HTTPMethod, _ path: String, query: [String: String], body: Data?, contentType: String) async throws -> HTTPClientRequest {
        var url = config.server + path
        if !query.isEmpty {
            var comps = URLComponents()
            comps.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            url += "?" + (comps.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        }
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "User-Agent", value: config.userAgent)
        req.headers.add(name: "Accept", value: "application/json")
        if let source = config.tokenSource {
            req.headers.add(name: "Authorization", value: "Bearer \(try await source.token())")
        } else if let token = config.bearerToken {
            req.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            req.headers.add(name: "Content-Type", value: contentType)
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        return req
    }

    /// Sends a request and returns the decoded body; a non-2xx answer throws the server's `APIError`.
    @discardableResult
    public func send(
        _ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSON? = nil,
        contentType: String = "application/json"
    ) async throws -> JSON {
        guard let inFlight else { return try await sendNow(method, path, query: query, body: body, contentType: contentType) }
        return try await inFlight.run { try await sendNow(method, path, query: query, body: body, contentType: contentType) }
    }

    func sendNow(_ method: HTTPMethod, _ path: String, query: [String: String], body: JSON?, contentType: String) async throws -> JSON {
        let req = try await makeRequest(method, path, query: query, body: body?.serialized(), contentType: contentType)
        let seconds = config.timeout.components.seconds
        let resp = try await http.execute(req, timeout: .seconds(seconds))
        let bytes = try await resp.body.collect(upTo: 256 * 1024 * 1024)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(resp.status.code)) else {
            // A rejected token is not asked for again (client-go's ResettableTokenSource).
            if resp.status == .unauthorized { config.tokenSource?.invalidate() }
            throw Self.apiError(status: Int(resp.status.code), data: data)
        }
        if data.isEmpty { return .null }
        return try JSON.parse(data)
    }

    /// A request whose body is not JSON (health endpoints, logs): the status code and the raw bytes.
    public func raw(_ method: HTTPMethod = .GET, _ path: String, query: [String: String] = [:]) async throws -> (status: Int, body: Data) {
        let req = try await makeRequest(method, path, query: query, body: nil, contentType: "")
        let resp = try await http.execute(req, timeout: .seconds(config.timeout.components.seconds))
        let bytes = try await resp.body.collect(upTo: 256 * 1024 * 1024)
        return (Int(resp.status.code), Data(bytes.readableBytesView))
    }

    /// The `APIError` a non-2xx answer carries: its Status, else the code and the first bytes of the body.
    public static func apiError(status: Int, data: Data) -> APIError {
        if let s = try? JSON.parse(data), s["kind"]?.string == "Status" {
            return APIError(code: Int(s["code"]?.int ?? Int64(status)), reason: s["reason"]?.string ?? "",
                            message: s["message"]?.string ?? "", details: s["details"])
        }
        return APIError(code: status, reason: "Unknown", message: String(decoding: data.prefix(512), as: UTF8.self))
    }

    // MARK: Verbs

    public func get(_ r: ResourcePath, _ name: String) async throws -> JSON {
        try await send(.GET, r.item(name))
    }

    public func list(_ r: ResourcePath, query: [String: String] = [:]) async throws -> JSON {
        try await send(.GET, r.collection, query: query)
    }

    @discardableResult
    public func create(_ r: ResourcePath, _ object: JSON, query: [String: String] = [:]) async throws -> JSON {
        try await send(.POST, r.collection, query: query, body: object)
    }

    @discardableResult
    public func update(_ r: ResourcePath, _ object: JSON, subresource: String? = nil) async throws -> JSON {
        try await send(.PUT, r.item(object[path: ["metadata", "name"]]?.string ?? "", subresource: subresource), body: object)
    }

    @discardableResult
    public func patch(_ r: ResourcePath, _ name: String, _ patch: JSON, type: String = "application/merge-patch+json",
                      subresource: String? = nil, query: [String: String] = [:]) async throws -> JSON {
        try await send(.PATCH, r.item(name, subresource: subresource), query: query, body: patch, contentType: type)
    }

    @discardableResult
    public func delete(_ r: ResourcePath, _ name: String, options: JSON? = nil) async throws -> JSON {
        try await send(.DELETE, r.item(name), body: options)
    }

    /// Watches a collection from `resourceVersion`; the stream ends when the server closes it.
    public func watch(_ r: ResourcePath, resourceVersion: String, query: [String: String] = [:]) -> AsyncThrowingStream<WatchEvent, Error> {
        var q = query
        q["watch"] = "true"
        q["resourceVersion"] = resourceVersion
        q["allowWatchBookmarks"] = "true"
        let watchQuery = q
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    let req = try await self.makeRequest(.GET, r.collection, query: watchQuery, body: nil, contentType: "")
                    let resp = try await self.http.execute(req, deadline: .distantFuture)
                    guard resp.status == .ok else {
                        if resp.status == .unauthorized { self.config.tokenSource?.invalidate() }
                        let body = try await resp.body.collect(upTo: 1 << 20)
                        throw Self.apiError(status: Int(resp.status.code), data: Data(body.readableBytesView))
                    }
                    var pending = Data()
                    for try await var chunk in resp.body {
                        if let bytes = chunk.readBytes(length: chunk.readableBytes) { pending.append(contentsOf: bytes) }
                        while let nl = pending.firstIndex(of: 0x0A) {
                            let line = pending[pending.startIndex..<nl]
                            pending = Data(pending[(nl + 1)...])
                            guard !line.isEmpty else { continue }
                            let ev = try JSON.parse(line)
                            continuation.yield(WatchEvent(type: ev["type"]?.string ?? "", object: ev["object"] ?? .null))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
