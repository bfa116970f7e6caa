import AsyncHTTPClient
import APIMachinery
import Foundation
import Ingress
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PKI
import Testing

/// The reverse proxy on loopback, between real HTTP clients and real NIO backends.
@Suite(.serialized) struct IngressProxyTests {
    struct Fixture {
        var a: TestBackend
        var b: TestBackend
        var server: IngressServer
        var routes: RouteSource
        var certificates: SNICertificates
    }

    func backend(_ service: String, _ b: TestBackend?) -> ResolvedBackend {
        ResolvedBackend(service: "default/\(service)", servicePort: "80", endpoints: b.map { [BackendEndpoint(ip: "127.0.0.1", port: $0.port)] } ?? [])
    }

    func withProxy(_ body: (Fixture) async throws -> Void) async throws {
        let a = try await TestBackend.start(name: "a")
        let b = try await TestBackend.start(name: "b")
        let routes = RouteSource(RoutingTable(routes: [
            IngressRoute(host: .exact("a.test"), path: .prefix("/"), backend: backend("a", a), ingress: "default/i"),
            IngressRoute(host: .exact("b.test"), path: .prefix("/b"), backend: backend("b", b), ingress: "default/i"),
            IngressRoute(host: .exact("empty.test"), path: .prefix("/"), backend: backend("none", nil), ingress: "default/i"),
            IngressRoute(host: .any, path: .prefix("/h2"), backend: backend("b", b), ingress: "default/i"),
        ]))
        let certificates = try SNICertificates()
        let siteCA = try CertificateAuthority.create(commonName: "site-ca")
        let site = try siteCA.issueServingCertificate(commonName: "a.test", dnsNames: ["a.test"], ipAddresses: [])
        let secret: JSON = ["metadata": ["resourceVersion": "1"], "data": [
            "tls.crt": .string(Data(site.certificatePEM.utf8).base64EncodedString()),
            "tls.key": .string(Data(site.privateKeyPEM.utf8).base64EncodedString()),
        ]]
        let unusable = certificates.update([TLSBinding(host: .exact("a.test"), secret: "default/site")], secret: { $0 == "default/site" ? secret : nil })
        #expect(unusable.isEmpty)
        let server = try await IngressServer.start(
            configuration: .init(host: "127.0.0.1", httpPort: 0, httpsPort: 0, netnsPath: nil), routes: routes, certificates: certificates)
        do {
            try await body(Fixture(a: a, b: b, server: server, routes: routes, certificates: certificates))
        } catch {
            await server.close(); await a.stop(); await b.stop()
            throw error
        }
        await server.close(); await a.stop(); await b.stop()
    }

    func get(_ client: HTTPClient, _ url: String, host: String? = nil, method: HTTPMethod = .GET, body: HTTPClientRequest.Body? = nil) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let host { request.headers.replaceOrAdd(name: "Host", value: host) }
        if let body { request.body = body }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (response, String(buffer: bytes))
    }

    @Test func routesByHostAndPathOverPooledKeepAliveConnections() async throws {
        try await withProxy { f in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let base = "http://127.0.0.1:\(f.server.httpPort)"
            let (r1, t1) = try await get(client, base + "/x?q=1", host: "a.test")
            #expect(r1.status == .ok)
            #expect(t1 == "name=a host=a.test uri=/x?q=1 xff=127.0.0.1 proto=http len=0")
            let (_, t2) = try await get(client, base + "/b/c", host: "b.test")
            #expect(t2.hasPrefix("name=b host=b.test uri=/b/c"))
            for _ in 0..<5 { _ = try await get(client, base + "/again", host: "a.test") }
            // Six requests to a, one backend connection: the proxy reuses it.
            #expect(f.a.accepted == 1)
            let (r404, t404) = try await get(client, base + "/", host: "nowhere.test")
            #expect(r404.status == .notFound)
            #expect(t404.contains("<title>404 Not Found</title>"))
            let (r503, _) = try await get(client, base + "/", host: "empty.test")
            #expect(r503.status == .serviceUnavailable)
            try await client.shutdown()
        }
    }

    @Test func streamsARequestBodyToTheBackend() async throws {
        try await withProxy { f in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let chunk = ByteBuffer(repeating: 0x61, count: 64 * 1024)
            let body = HTTPClientRequest.Body.stream(AsyncStream<ByteBuffer> { c in
                for _ in 0..<16 { c.yield(chunk) }
                c.finish()
            }, length: .unknown)
            let (r, t) = try await get(client, "http://127.0.0.1:\(f.server.httpPort)/upload", host: "a.test", method: .POST, body: body)
            #expect(r.status == .ok)
            #expect(t.hasSuffix("len=\(16 * 64 * 1024)"))
            try await client.shutdown()
        }
    }

    @Test func unreachableBackendIsABadGateway() async throws {
        try await withProxy { f in
            let port = f.b.port
            await f.b.stop()
            f.routes.replace(RoutingTable(routes: [IngressRoute(host: .any, path: .prefix("/"), backend:
                ResolvedBackend(service: "default/b", servicePort: "80", endpoints: [BackendEndpoint(ip: "127.0.0.1", port: port)]), ingress: "default/i")]))
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            let (r, t) = try await get(client, "http://127.0.0.1:\(f.server.httpPort)/", host: "x.test")
            #expect(r.status == .badGateway)
            #expect(t.contains("502 Bad Gateway"))
            try await client.shutdown()
        }
    }

    @Test func serversHTTP2WhenTheClientOffersIt() async throws {
        try await withProxy { f in
            var config = HTTPClient.Configuration()
            config.tlsConfiguration = .makeClientConfiguration()
            config.tlsConfiguration?.certificateVerification = .none
            config.httpVersion = .automatic
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            let (r, t) = try await get(client, "https://127.0.0.1:\(f.server.httpsPort)/h2/x")
            #expect(r.version == .http2)
            #expect(t.hasPrefix("name=b host=127.0.0.1:\(f.server.httpsPort) uri=/h2/x xff=127.0.0.1 proto=https"))
            try await client.shutdown()
        }
    }

    @Test func presentsEachHostsCertificateBySNIAndTheDefaultOtherwise() async throws {
        try await withProxy { f in
            let site = try await peerCommonName(port: f.server.httpsPort, serverName: "a.test")
            let other = try await peerCommonName(port: f.server.httpsPort, serverName: "other.test")
            #expect(site == "a.test")
            #expect(other == SNICertificates.defaultCommonName)
        }
    }

    /// Handshakes with `serverName` and returns the common name of the certificate the server sent.
    func peerCommonName(port: Int, serverName: String) async throws -> String? {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        // The handshake is over once a write has gone through the TLS handler.
        try await channel.writeAndFlush(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: \(serverName)\r\n\r\n"))
        let handler = try await channel.pipeline.handler(type: NIOSSLClientHandler.self).get()
        let cert = handler.peerCertificate
        guard let der = try cert?.toDERBytes() else { return nil }
        return try ClientIdentity.user(fromDER: der)?.name
    }

    /// Sends `bytes` on a new connection to the proxy and returns all it answers until it closes.
    func exchange(_ port: Int, _ bytes: String) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: bytes))
            var received = ByteBuffer()
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
            return String(buffer: received)
        }
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        try await withProxy { f in
            // Three requests in one write: the second is answered by the proxy itself, the third closes.
            let text = try await exchange(f.server.httpPort,
                "GET /one HTTP/1.1\r\nHost: a.test\r\n\r\n" +
                "GET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n" +
                "GET /two HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            let one = try #require(text.range(of: "uri=/one"))
            let notFound = try #require(text.range(of: "HTTP/1.1 404 Not Found"))
            let two = try #require(text.range(of: "uri=/two"))
            #expect(one.upperBound <= notFound.lowerBound && notFound.upperBound <= two.lowerBound)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        }
    }

    @Test func aMalformedPipelinedRequestClosesTheConnectionAfterTheResponseBeforeIt() async throws {
        try await withProxy { f in
            let text = try await exchange(f.server.httpPort, "GET /one HTTP/1.1\r\nHost: a.test\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 200 OK"))
            // The whole response: its body as long as its Content-Length says.
            #expect(text.hasSuffix("name=a host=a.test uri=/one xff=127.0.0.1 proto=http len=0"))
            #expect(text.lowercased().contains("connection: close"))
        }
    }

    @Test func aMalformedRequestIsABadRequest() async throws {
        try await withProxy { f in
            let text = try await exchange(f.server.httpPort, "NOT HTTP AT ALL\r\n\r\n")
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(text.lowercased().contains("connection: close"))
        }
    }

    @Test func passesAWebSocketThrough() async throws {
        try await withProxy { f in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: f.server.httpPort) { ch in
                    ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
                }
            try await channel.executeThenClose { inbound, outbound in
                let key = "dGhlIHNhbXBsZSBub25jZQ=="
                try await outbound.write(ByteBuffer(string: "GET /chat HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"))
                var received = ByteBuffer()
                var iterator = inbound.makeAsyncIterator()
                while !String(buffer: received).contains("\r\n\r\n"), var chunk = try await iterator.next() { received.writeBuffer(&chunk) }
                let handshake = String(buffer: received)
                #expect(handshake.hasPrefix("HTTP/1.1 101"))
                // RFC 6455's example key and its accept value: the backend's own answer came through.
                #expect(handshake.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="))
                // A masked text frame "hello"; the backend echoes it unmasked.
                let mask: [UInt8] = [1, 2, 3, 4]
                let payload = Array("hello".utf8).enumerated().map { $0.element ^ mask[$0.offset % 4] }
                try await outbound.write(ByteBuffer(bytes: [0x81, 0x80 | 5] + mask + payload))
                var echo = ByteBuffer()
                while echo.readableBytes < 7, var chunk = try await iterator.next() { echo.writeBuffer(&chunk) }
                #expect(echo.readBytes(length: 7) == [0x81, 5] + Array("hello".utf8))
            }
        }
    }
}
