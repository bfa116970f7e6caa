import Foundation

/// One member's client URL from `--etcd-servers`: `https://10.0.0.1:2379`, `http://127.0.0.1:2379`, or a bare
/// `host:port` (plaintext, as etcdctl reads it).
public struct EtcdEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `https`: the connection is TLS (with the `--etcd-cafile` trust roots and the client certificate, if any).
    public var secure: Bool

    public init(host: String, port: Int, secure: Bool) {
        self.host = host
        self.port = port
        self.secure = secure
    }

    /// Parses one URL. The port defaults to 2379, etcd's client port.
    public init(parsing url: String) throws(EtcdConfigurationError) {
        var rest = Substring(url)
        if rest.hasPrefix("https://") {
            secure = true
            rest = rest.dropFirst("https://".count)
        } else if rest.hasPrefix("http://") {
            secure = false
            rest = rest.dropFirst("http://".count)
        } else if rest.contains("://") {
            throw EtcdConfigurationError("etcd server \(url): only http:// and https:// URLs are supported")
        } else {
            secure = false
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        // [v6]:port, host:port or host.
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            rest = rest[colon...]
        } else {
            host = String(rest)
            rest = ""
        }
        if rest.isEmpty {
            port = 2379
        } else if rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65535).contains(port) {
            self.port = port
        } else {
            throw EtcdConfigurationError("etcd server \(url): bad port")
        }
        guard !host.isEmpty else { throw EtcdConfigurationError("etcd server \(url): no host") }
    }

    /// Parses `--etcd-servers`: comma-separated URLs.
    public static func list(_ servers: String) throws(EtcdConfigurationError) -> [EtcdEndpoint] {
        let urls = servers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !urls.isEmpty else { throw EtcdConfigurationError("--etcd-servers names no server") }
        var endpoints: [EtcdEndpoint] = []
        for url in urls { endpoints.append(try EtcdEndpoint(parsing: url)) }
        return endpoints
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(secure ? "https" : "http")://\(shownHost):\(port)"
    }
}

/// A bad `--etcd-*` option: the API server refuses to start with it.
public struct EtcdConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
