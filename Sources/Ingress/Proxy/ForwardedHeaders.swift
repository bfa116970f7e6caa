import NIOHTTP1

/// How requests and responses are rewritten on their way through the proxy: hop-by-hop headers stay on
/// their own hop (RFC 9110 §7.6.1), the Host is kept, and the backend learns where the request came from in
/// the `X-Forwarded-*` headers ingress-nginx sets. Client-sent `X-Forwarded-*` and `X-Real-IP` are replaced,
/// not appended to, as ingress-nginx does unless told to trust them: anyone could send them.
enum ForwardedHeaders {
    /// Hop-by-hop headers. On requests `backendRequest` keeps `transfer-encoding` all the same (the encoder
    /// needs it to frame a body of unknown length) and `upgrade` for a protocol switch.
    static let hopByHop: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "transfer-encoding"]

    struct Origin {
        /// The client's address as the listener saw it.
        var clientIP: String?
        /// "http" or "https".
        var scheme: String
        /// The listener's port.
        var port: Int
    }

    static func connectionTokens(_ headers: HTTPHeaders) -> Set<String> {
        Set(headers[canonicalForm: "connection"].map { $0.lowercased() })
    }

    /// True for a request asking to switch protocols (a WebSocket handshake).
    static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        connectionTokens(head.headers).contains("upgrade") && head.headers.contains(name: "upgrade")
    }

    /// The request sent to the backend: HTTP/1.1, keep-alive, the Host unchanged.
    static func backendRequest(_ head: HTTPRequestHead, origin: Origin, upgrade: Bool) -> HTTPRequestHead {
        let tokens = connectionTokens(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 6)
        for (name, value) in head.headers {
            let n = name.lowercased()
            if n == "transfer-encoding" { headers.add(name: name, value: value); continue }
            if n == "upgrade" { if upgrade { headers.add(name: name, value: value) }; continue }
            if hopByHop.contains(n) || tokens.contains(n) { continue }
            // Answered by the proxy itself (100 Continue), and replaced below.
            if n == "expect" || n == "x-real-ip" || n.hasPrefix("x-forwarded-") { continue }
            headers.add(name: name, value: value)
        }
        if upgrade { headers.add(name: "Connection", value: "upgrade") }
        let host = head.headers.first(name: "host") ?? ""
        if let ip = origin.clientIP {
            headers.add(name: "X-Real-IP", value: ip)
            headers.add(name: "X-Forwarded-For", value: ip)
        }
        headers.add(name: "X-Forwarded-Host", value: host)
        headers.add(name: "X-Forwarded-Port", value: String(origin.port))
        headers.add(name: "X-Forwarded-Proto", value: origin.scheme)
        headers.add(name: "X-Forwarded-Scheme", value: origin.scheme)
        return HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
    }

    /// The response sent to the client, in the client's HTTP version; the encoder frames the body anew.
    static func clientResponse(_ head: HTTPResponseHead, version: HTTPVersion, close: Bool) -> HTTPResponseHead {
        let tokens = connectionTokens(head.headers)
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers {
            let n = name.lowercased()
            if hopByHop.contains(n) || tokens.contains(n) { continue }
            headers.add(name: name, value: value)
        }
        if version.major == 1 {
            if close && version.minor >= 1 { headers.add(name: "Connection", value: "close") }
            if !close && version.minor == 0 { headers.add(name: "Connection", value: "keep-alive") }
        }
        return HTTPResponseHead(version: version.major == 1 ? version : .http1_1, status: head.status, headers: headers)
    }
}
