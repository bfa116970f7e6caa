/// The host part of an Ingress rule: a full name, a wildcard (`*.example.com`, exactly one more label), or
/// empty, which matches every host. Hosts compare case-insensitively; a request's port is not part of it.
public enum IngressHostMatch: Sendable, Hashable {
    case any
    case exact(String)
    case wildcard(suffix: String)

    public init(_ host: String?) {
        let host = (host ?? "").lowercased()
        if host.isEmpty {
            self = .any
        } else if host.hasPrefix("*.") {
            self = .wildcard(suffix: String(host.dropFirst(1)))
        } else {
            self = .exact(host)
        }
    }

    /// A request's Host header without its port (and without an IPv6 literal's brackets), lowercased.
    public static func requestHost(_ header: String) -> String {
        var host = Substring(header)
        if host.hasPrefix("[") {
            if let end = host.firstIndex(of: "]") { host = host[host.index(after: host.startIndex)..<end] }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return host.lowercased()
    }

    public func matches(_ host: String) -> Bool {
        switch self {
        case .any: return true
        case .exact(let h): return host == h
        case .wildcard(let suffix):
            // "*.foo.com" matches "bar.foo.com", not "foo.com" nor "baz.bar.foo.com".
            guard host.hasSuffix(suffix) else { return false }
            let label = host.dropLast(suffix.count)
            return !label.isEmpty && !label.contains(".")
        }
    }

    /// Exact names before wildcards before the catch-all: the most specific host group serves a request.
    var rank: Int {
        switch self {
        case .exact: return 0
        case .wildcard: return 1
        case .any: return 2
        }
    }
}
