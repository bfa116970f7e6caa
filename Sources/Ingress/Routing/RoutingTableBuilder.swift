import APIMachinery

/// A host of an Ingress's `spec.tls` and the Secret (`namespace/name`) holding its certificate.
public struct TLSBinding: Sendable, Equatable {
    public var host: IngressHostMatch
    public var secret: String

    public init(host: IngressHostMatch, secret: String) {
        self.host = host
        self.secret = secret
    }
}

/// Builds a `RoutingTable` from the cluster objects the controller caches: the selected Ingresses, and the
/// Services and EndpointSlices their backends name. Pure, so every rule of the Ingress API can be tested
/// without a cluster.
public struct RoutingTableBuilder: Sendable {
    /// `namespace/name` → Service.
    public var services: @Sendable (String) -> JSON?
    /// `namespace/name` of a Service → its EndpointSlices (labelled `kubernetes.io/service-name`).
    public var endpointSlices: @Sendable (String) -> [JSON]

    public init(services: @escaping @Sendable (String) -> JSON?, endpointSlices: @escaping @Sendable (String) -> [JSON]) {
        self.services = services
        self.endpointSlices = endpointSlices
    }

    public struct Result: Sendable {
        public var table: RoutingTable
        public var tls: [TLSBinding]
    }

    /// Ingresses are taken oldest first (by creationTimestamp, then namespace/name), so when two claim the
    /// same host and path, or both set a default backend, the older one keeps it, as ingress-nginx decides.
    public func build(ingresses: [JSON]) -> Result {
        let ordered = ingresses.sorted { a, b in
            let (ta, tb) = (a[path: ["metadata", "creationTimestamp"]]?.string ?? "", b[path: ["metadata", "creationTimestamp"]]?.string ?? "")
            return ta != tb ? ta < tb : Self.key(a) < Self.key(b)
        }
        var routes: [IngressRoute] = []
        var defaultBackend: ResolvedBackend?
        var tls: [TLSBinding] = []
        for ing in ordered {
            let namespace = ing[path: ["metadata", "namespace"]]?.string ?? "default"
            let name = Self.key(ing)
            if defaultBackend == nil, let b = ing[path: ["spec", "defaultBackend"]], let resolved = resolve(b, namespace: namespace) {
                defaultBackend = resolved
            }
            for rule in ing[path: ["spec", "rules"]]?.array ?? [] {
                let host = IngressHostMatch(rule["host"]?.string)
                for p in rule[path: ["http", "paths"]]?.array ?? [] {
                    guard let b = p["backend"], let resolved = resolve(b, namespace: namespace) else { continue }
                    routes.append(IngressRoute(host: host, path: IngressPathMatch(path: p["path"]?.string, pathType: p["pathType"]?.string),
                                               backend: resolved, ingress: name))
                }
            }
            for entry in ing[path: ["spec", "tls"]]?.array ?? [] {
                guard let secret = entry["secretName"]?.string, !secret.isEmpty else { continue }
                for h in entry["hosts"]?.array ?? [] {
                    if let host = h.string, !host.isEmpty { tls.append(TLSBinding(host: IngressHostMatch(host), secret: "\(namespace)/\(secret)")) }
                }
            }
        }
        return Result(table: RoutingTable(routes: routes, defaultBackend: defaultBackend), tls: tls)
    }

    static func key(_ o: JSON) -> String {
        "\(o[path: ["metadata", "namespace"]]?.string ?? "")/\(o[path: ["metadata", "name"]]?.string ?? "")"
    }

    /// A `service` backend with its Service port found and that port's ready endpoints listed. A missing
    /// Service or port still routes (to no endpoints: 503), so a typo shows as an error rather than a 404
    /// from another rule. Resource backends are not served.
    func resolve(_ backend: JSON, namespace: String) -> ResolvedBackend? {
        guard let svcName = backend[path: ["service", "name"]]?.string else { return nil }
        let key = "\(namespace)/\(svcName)"
        let number = backend[path: ["service", "port", "number"]]?.int
        let portName = backend[path: ["service", "port", "name"]]?.string
        let shown = number.map(String.init) ?? portName ?? ""
        guard let service = services(key) else { return ResolvedBackend(service: key, servicePort: shown, endpoints: []) }
        let ports = service[path: ["spec", "ports"]]?.array ?? []
        guard let port = ports.first(where: { p in
            if let number { return p["port"]?.int == number }
            return p["name"]?.string == portName
        }) else { return ResolvedBackend(service: key, servicePort: shown, endpoints: []) }
        let sliceName = port["name"]?.string ?? ""
        let proto = port["protocol"]?.string ?? "TCP"
        var endpoints: [BackendEndpoint] = []
        var seen = Set<BackendEndpoint>()
        for slice in endpointSlices(key) {
            guard let slicePort = (slice["ports"]?.array ?? []).first(where: {
                ($0["name"]?.string ?? "") == sliceName && ($0["protocol"]?.string ?? "TCP") == proto
            }), let number = slicePort["port"]?.int else { continue }
            for ep in slice["endpoints"]?.array ?? [] {
                // Ready unless said otherwise (nil means ready, as EndpointSlice consumers read it).
                guard ep[path: ["conditions", "ready"]]?.bool != false else { continue }
                for a in ep["addresses"]?.array ?? [] {
                    guard let ip = a.string else { continue }
                    let e = BackendEndpoint(ip: ip, port: Int(number))
                    if seen.insert(e).inserted { endpoints.append(e) }
                }
            }
        }
        return ResolvedBackend(service: key, servicePort: shown, endpoints: endpoints)
    }
}
