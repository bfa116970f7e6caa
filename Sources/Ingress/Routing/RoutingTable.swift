/// A pod (or other endpoint) address a Service port forwards to.
public struct BackendEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var ip: String
    public var port: Int

    public init(ip: String, port: Int) {
        self.ip = ip
        self.port = port
    }

    public var description: String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

/// An Ingress backend resolved against the cluster: the Service it names and that Service port's ready
/// endpoints at the time the table was built (none: the proxy answers 503, as ingress-nginx does).
public struct ResolvedBackend: Sendable, Equatable {
    /// `namespace/name` of the Service.
    public var service: String
    /// The Service port as the Ingress named it (a number or a port name).
    public var servicePort: String
    public var endpoints: [BackendEndpoint]

    public init(service: String, servicePort: String, endpoints: [BackendEndpoint]) {
        self.service = service
        self.servicePort = servicePort
        self.endpoints = endpoints
    }
}

/// One path rule under one host, with the Ingress it came from (`namespace/name`, for logs).
public struct IngressRoute: Sendable, Equatable {
    public var host: IngressHostMatch
    public var path: IngressPathMatch
    public var backend: ResolvedBackend
    public var ingress: String

    public init(host: IngressHostMatch, path: IngressPathMatch, backend: ResolvedBackend, ingress: String) {
        self.host = host
        self.path = path
        self.backend = backend
        self.ingress = ingress
    }
}

/// What the proxy does with a request.
public enum RouteDecision: Sendable, Equatable {
    case backend(ResolvedBackend)
    /// No rule and no default backend: 404.
    case notFound
}

/// Every Ingress of the controller's class, merged into one immutable lookup structure; rebuilt whole when
/// anything it was built from changes, and swapped in atomically, so a request never sees half an update.
///
/// A request is served by the most specific host group whose host matches it (exact names, then wildcards,
/// then rules without a host), as ingress-nginx's server blocks behave: a host that has rules never falls
/// through to the host-less ones. Within the group the most specific matching path wins; when none
/// matches, the default backend (or a 404) answers.
public struct RoutingTable: Sendable {
    /// Host groups in the order they are tried: exact hosts first.
    public private(set) var groups: [(host: IngressHostMatch, routes: [IngressRoute])]
    public var defaultBackend: ResolvedBackend?

    public init(routes: [IngressRoute] = [], defaultBackend: ResolvedBackend? = nil) {
        var byHost: [IngressHostMatch: [IngressRoute]] = [:]
        var order: [IngressHostMatch] = []
        for r in routes {
            if byHost[r.host] == nil { order.append(r.host) }
            // The first Ingress to claim a host and path keeps it (the caller passes the oldest first).
            if byHost[r.host, default: []].contains(where: { $0.path == r.path }) { continue }
            byHost[r.host, default: []].append(r)
        }
        groups = order.map { ($0, byHost[$0]!) }.sorted { $0.host.rank < $1.host.rank }
        self.defaultBackend = defaultBackend
    }

    public static let empty = RoutingTable()

    /// `host` is the request's Host without its port, lowercased (`IngressHostMatch.requestHost`); `path`
    /// the request target's path without the query.
    public func route(host: String, path: String) -> RouteDecision {
        if let group = groups.first(where: { $0.host.matches(host) }) {
            var best: IngressRoute?
            for r in group.routes where r.path.matches(path) {
                if best == nil || r.path.isMoreSpecific(than: best!.path) { best = r }
            }
            if let best { return .backend(best.backend) }
        }
        return defaultBackend.map { .backend($0) } ?? .notFound
    }

    /// The path part of a request target ("/a/b?x=1" → "/a/b"; an absolute-form target keeps its path).
    public static func requestPath(_ uri: String) -> String {
        var target = Substring(uri)
        if let q = target.firstIndex(where: { $0 == "?" || $0 == "#" }) { target = target[..<q] }
        if !target.hasPrefix("/"), let scheme = target.range(of: "://") {
            let rest = target[scheme.upperBound...]
            target = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        return target.isEmpty ? "/" : String(target)
    }
}
