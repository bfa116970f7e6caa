@testable import Ingress
import NIOHTTP1
import Testing

/// The header rewriting on each hop, case-insensitively and without lowercased copies (`HeaderName`).
struct ForwardedHeadersTests {
    let origin = ForwardedHeaders.Origin(clientIP: "10.0.0.7", scheme: "https", port: 8443)

    func names(_ headers: HTTPHeaders) -> [String] { headers.map(\.name) }

    @Test func headerNamesCompareIgnoringASCIICaseOnly() {
        #expect(HeaderName.equals("Content-Length", "content-length"))
        #expect(HeaderName.equals("TE", "te"))
        #expect(!HeaderName.equals("Content-Lengths", "content-length"))
        #expect(!HeaderName.equals("Content_Length", "content-length"))
        // A byte that only becomes "-" when bit 0x20 is set must not match.
        #expect(!HeaderName.equals("Content\rLength", "content-length"))
        #expect(HeaderName.hasPrefix("X-Forwarded-For", "x-forwarded-"))
        #expect(!HeaderName.hasPrefix("X-Forwarded", "x-forwarded-"))
        var tokens: [String] = []
        HeaderName.forEachToken(" keep-alive ,, X-Trace\t, close") { tokens.append(String($0)) }
        #expect(tokens == ["keep-alive", "X-Trace", "close"])
    }

    @Test func theBackendRequestDropsHopByHopAndClientForwardedHeaders() {
        let head = HTTPRequestHead(version: .http1_0, method: .POST, uri: "/a?b=1", headers: [
            "Host": "Shop.Example.com:8443", "CONNECTION": "Keep-Alive, X-Trace", "Keep-Alive": "timeout=5",
            "x-trace": "1", "TE": "trailers", "Proxy-Connection": "keep-alive", "Transfer-Encoding": "chunked",
            "Upgrade": "h2c", "Expect": "100-continue", "X-Real-IP": "6.6.6.6", "X-Forwarded-For": "6.6.6.6",
            "X-FORWARDED-PROTO": "gopher", "Accept": "*/*",
        ])
        let out = ForwardedHeaders.backendRequest(head, host: "Shop.Example.com:8443", origin: origin, upgrade: false)
        #expect(out.version == .http1_1)
        #expect(out.method == .POST && out.uri == "/a?b=1")
        #expect(names(out.headers) == [
            "Host", "Transfer-Encoding", "Accept", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Host",
            "X-Forwarded-Port", "X-Forwarded-Proto", "X-Forwarded-Scheme",
        ])
        #expect(out.headers["X-Forwarded-For"] == ["10.0.0.7"])
        #expect(out.headers["X-Forwarded-Host"] == ["Shop.Example.com:8443"])
        #expect(out.headers["X-Forwarded-Port"] == ["8443"])
        #expect(out.headers["X-Forwarded-Proto"] == ["https"])
    }

    @Test func anUpgradeKeepsItsUpgradeHeaderAndSaysSoInConnection() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/chat", headers: [
            "Host": "a.test", "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Key": "k",
        ])
        #expect(ForwardedHeaders.isUpgrade(head))
        let out = ForwardedHeaders.backendRequest(head, host: "a.test", origin: origin, upgrade: true)
        #expect(out.headers["Upgrade"] == ["websocket"])
        #expect(out.headers["Connection"] == ["upgrade"])
        #expect(out.headers["Sec-WebSocket-Key"] == ["k"])
        let plain = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Connection": "keep-alive", "Upgrade": "websocket"])
        #expect(!ForwardedHeaders.isUpgrade(plain))
    }

    @Test func theClientResponseDropsHopByHopHeadersAndSetsItsOwnConnection() {
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: [
            "Server": "nginx", "Content-Length": "5", "Connection": "keep-alive, X-Backend-Hop",
            "x-backend-hop": "1", "Keep-Alive": "timeout=60", "Transfer-Encoding": "chunked", "ETag": "\"x\"",
        ])
        let kept = ForwardedHeaders.clientResponse(head, version: .http1_1, close: false)
        #expect(names(kept.headers) == ["Server", "Content-Length", "ETag"])
        let closing = ForwardedHeaders.clientResponse(head, version: .http1_1, close: true)
        #expect(closing.headers["Connection"] == ["close"])
        let old = ForwardedHeaders.clientResponse(head, version: .http1_0, close: false)
        #expect(old.version == .http1_0)
        #expect(old.headers["Connection"] == ["keep-alive"])
    }
}
