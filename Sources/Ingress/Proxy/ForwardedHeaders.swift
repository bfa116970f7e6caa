import NIOHTTP1

/// How requests and responses are rewritten on their way through the proxy: hop-by-hop headers stay on
/// their own hop (RFC 9110 §7.6.1), the Host is kept, and the backend learns where the request came from in
/// the `X-Forwarded-*` headers ingress-nginx sets. Client-sent `X-Forwarded-*` and `X-Real-IP` are replaced,
/// not appended to, as ingress-nginx does unless told to trust them: anyone could send them.
///
/// Every request and response passes through here, so names are compared in place (`HeaderName`) rather
/// than lowercased into new Strings, and a Connection header that names only the standard hop-by-hop
/// headers (the usual `keep-alive`) costs no allocation.
enum ForwardedHeaders {
    struct Origin {
        /// The client's address as the listener saw it.
        var clientIP: String?
        /// "http" or "https".
        var scheme: String
        /// The listener's port, as `X-Forwarded-Port` gives it.
        var port: String

        init(clientIP: String?, scheme: String, port: Int) {
            self.clientIP = clientIP
            self.scheme = scheme
            self.port = String(port)
        }
    }

    /// The hop-by-hop headers: `connection`, `keep-alive`, `proxy-connection`, `te`, `trailer`, `upgrade` and
    /// `transfer-encoding`. On requests `backendRequest` keeps `transfer-encoding` all the same (the encoder
    /// needs it to frame a body of unknown length) and `upgrade` for a protocol switch.
    static func isHopByHop<S: StringProtocol>(_ name: S) -> Bool {
        switch name.utf8.count {
        case 2: return HeaderName.equals(name, "te")
        case 7: return HeaderName.equals(name, "trailer") || HeaderName.equals(name, "upgrade")
        case 10: return HeaderName.equals(name, "connection") || HeaderName.equals(name, "keep-alive")
        case 16: return HeaderName.equals(name, "proxy-connection")
        case 17: return HeaderName.equals(name, "transfer-encoding")
        default: return false
        }
    }

    /// True when a Connection header lists `token` (lowercase ASCII).
    static func connectionLists(_ headers: HTTPHeaders, _ token: StaticString) -> Bool {
        var found = false
        for (name, value) in headers where !found && HeaderName.equals(name, "connection") {
            HeaderName.forEachToken(value) { if HeaderName.equals($0, token) { found = true } }
        }
        return found
    }

    /// The other headers the Connection headers name as hop-by-hop, lowercased: besides the standard ones
    /// (which go anyway), usually none (`keep-alive`, `upgrade`), and then nothing is allocated.
    static func connectionNamedHeaders(_ headers: HTTPHeaders) -> [String] {
        var named: [String] = []
        for (name, value) in headers where HeaderName.equals(name, "connection") {
            HeaderName.forEachToken(value) { token in
                if !isHopByHop(token) { named.append(token.lowercased()) }
            }
        }
        return named
    }

    /// True for a header `connectionNamedHeaders` listed (the list is nearly always empty).
    private static func isNamed(_ name: String, in named: [String]) -> Bool {
        guard !named.isEmpty else { return false }
        let lower = name.lowercased()
        return named.contains(lower)
    }

    /// True for a request asking to switch protocols (a WebSocket handshake).
    static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        connectionLists(head.headers, "upgrade") && head.headers.contains(name: "upgrade")
    }

    /// The request sent to the backend: HTTP/1.1, keep-alive, the Host unchanged (`host` is its value).
    static func backendRequest(_ head: HTTPRequestHead, host: String, origin: Origin, upgrade: Bool) -> HTTPRequestHead {
        let named = connectionNamedHeaders(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 6)
        for (name, value) in head.headers {
            if HeaderName.equals(name, "transfer-encoding") { headers.add(name: name, value: value); continue }
            if HeaderName.equals(name, "upgrade") { if upgrade { headers.add(name: name, value: value) }; continue }
            if isHopByHop(name) || isNamed(name, in: named) { continue }
            // Answered by the proxy itself (100 Continue), and replaced below.
            if HeaderName.equals(name, "expect") || HeaderName.equals(name, "x-real-ip") || HeaderName.hasPrefix(name, "x-forwarded-") { continue }
            headers.add(name: name, value: value)
        }
        if upgrade { headers.add(name: "Connection", value: "upgrade") }
        if let ip = origin.clientIP {
            headers.add(name: "X-Real-IP", value: ip)
            headers.add(name: "X-Forwarded-For", value: ip)
        }
        headers.add(name: "X-Forwarded-Host", value: host)
        headers.add(name: "X-Forwarded-Port", value: origin.port)
        headers.add(name: "X-Forwarded-Proto", value: origin.scheme)
        headers.add(name: "X-Forwarded-Scheme", value: origin.scheme)
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The response sent to the client, in the client's HTTP version; the encoder frames the body anew.
    static func clientResponse(_ head: HTTPResponseHead, version: HTTPVersion, close: Bool) -> HTTPResponseHead {
        let named = connectionNamedHeaders(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers {
            if isHopByHop(name) || isNamed(name, in: named) { continue }
            headers.add(name: name, value: value)
        }
        if version.major == 1 {
            if close && version.minor >= 1 { headers.add(name: "Connection", value: "close") }
            if !close && version.minor == 0 { headers.add(name: "Connection", value: "keep-alive") }
        }
        return HTTPResponseHead(version: version.major == 1 ? version : .http1_1, status: head.status, headers: headers)
    }
}
