import NIOCore
import NIOSSL

/// Where a streaming client connects and how it authenticates the server.
public struct DialTarget: Sendable {
    public enum Endpoint: Sendable {
        /// Resolve and connect.
        case host(String, port: Int)
        /// A socket connected elsewhere (inside a network namespace): NIO takes ownership of the descriptor.
        case connectedSocket(Int32)
    }

    public var endpoint: Endpoint
    /// The request target: path and query (`/exec/abc?stdin=true`).
    public var path: String
    /// The `Host` header.
    public var hostHeader: String
    /// TLS to use (client certificate, trusted CA); nil for plain HTTP.
    public var tls: TLSConfiguration?
    /// The name the server certificate must carry; nil with TLS disables hostname checks (IP targets are
    /// checked against the certificate's IP addresses by NIOSSL when this is an address).
    public var serverHostname: String?
    public var extraHeaders: [(String, String)]

    public init(endpoint: Endpoint, path: String, hostHeader: String, tls: TLSConfiguration? = nil,
                serverHostname: String? = nil, extraHeaders: [(String, String)] = []) {
        self.endpoint = endpoint
        self.path = path
        self.hostHeader = hostHeader
        self.tls = tls
        self.serverHostname = serverHostname
        self.extraHeaders = extraHeaders
    }

    /// A target on `host:port` (the host header follows).
    public static func host(_ host: String, port: Int, path: String, tls: TLSConfiguration? = nil) -> DialTarget {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return DialTarget(endpoint: .host(host, port: port), path: path, hostHeader: "\(bracketed):\(port)", tls: tls,
                          serverHostname: tls == nil ? nil : host)
    }
}

/// An HTTP answer other than 101 to an upgrade request: the peer's error, to be reported as it is.
public struct UpgradeRefused: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var contentType: String?
    public var body: [UInt8]

    public var description: String {
        "upgrade refused with HTTP \(status): \(String(decoding: body.prefix(512), as: UTF8.self))"
    }
}
