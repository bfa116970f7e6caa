import APIMachinery

/// The part of a Service that DNS answers from, read once when the Service changes so that queries never
/// touch JSON.
public struct ServiceEntry: Sendable, Equatable {
    public struct Port: Sendable, Equatable {
        public var name: String
        public var port: UInt16
        /// Lowercased: `tcp`, `udp`, `sctp`.
        public var proto: String
    }

    public var namespace: String
    public var name: String
    /// `ClusterIP` addresses (both families); empty for headless and ExternalName services.
    public var clusterIPs: [IPAddress]
    public var headless: Bool
    /// Set for `type: ExternalName`.
    public var externalName: DNSName?
    public var ports: [Port]
    /// `publishNotReadyAddresses`: not-ready endpoints are published too.
    public var publishNotReady: Bool

    public init?(_ svc: JSON) {
        guard let name = svc[path: ["metadata", "name"]]?.string,
              let namespace = svc[path: ["metadata", "namespace"]]?.string else { return nil }
        self.name = name
        self.namespace = namespace
        let spec = svc["spec"] ?? .object([:])
        if spec["type"]?.string == "ExternalName" {
            externalName = spec["externalName"]?.string.flatMap { try? DNSName($0) }
            clusterIPs = []
            headless = false
        } else {
            externalName = nil
            var ips = (spec["clusterIPs"]?.array ?? []).compactMap(\.string)
            if ips.isEmpty, let one = spec["clusterIP"]?.string { ips = [one] }
            headless = ips.isEmpty || ips.first == "None"
            clusterIPs = headless ? [] : ips.compactMap { IPAddress($0) }
        }
        ports = (spec["ports"]?.array ?? []).compactMap { p in
            guard let n = p["port"]?.int, n > 0, n <= 65535 else { return nil }
            return Port(name: (p["name"]?.string ?? "").lowercased(), port: UInt16(n), proto: (p["protocol"]?.string ?? "TCP").lowercased())
        }
        publishNotReady = spec["publishNotReadyAddresses"]?.bool ?? false
            || svc[path: ["metadata", "annotations", "service.alpha.kubernetes.io/tolerate-unready-endpoints"]]?.string == "true"
    }
}

/// One `discovery.k8s.io/v1` EndpointSlice, reduced to what DNS needs.
public struct SliceEntry: Sendable, Equatable {
    public struct Endpoint: Sendable, Equatable {
        public var addresses: [IPAddress]
        /// `hostname`, lowercased, when set.
        public var hostname: String?
        /// `conditions.ready` (a missing value means ready, as the API documents).
        public var ready: Bool
    }

    public var namespace: String
    public var name: String
    /// The Service the slice belongs to (its `kubernetes.io/service-name` label).
    public var serviceName: String
    public var ports: [ServiceEntry.Port]
    public var endpoints: [Endpoint]

    public init?(_ slice: JSON) {
        guard let name = slice[path: ["metadata", "name"]]?.string,
              let namespace = slice[path: ["metadata", "namespace"]]?.string,
              let service = slice[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.string else { return nil }
        self.name = name
        self.namespace = namespace
        serviceName = service
        ports = (slice["ports"]?.array ?? []).compactMap { p in
            guard let n = p["port"]?.int, n > 0, n <= 65535 else { return nil }
            return .init(name: (p["name"]?.string ?? "").lowercased(), port: UInt16(n), proto: (p["protocol"]?.string ?? "TCP").lowercased())
        }
        endpoints = (slice["endpoints"]?.array ?? []).map { e in
            Endpoint(
                addresses: (e["addresses"]?.array ?? []).compactMap { $0.string.flatMap { IPAddress($0) } },
                hostname: e["hostname"]?.string.map { $0.lowercased() },
                ready: e[path: ["conditions", "ready"]]?.bool ?? true)
        }
    }
}

/// A pod's addresses, for `a-b-c-d.ns.pod` (verified mode) and PTR answers.
public struct PodEntry: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var ips: [IPAddress]

    public init?(_ pod: JSON) {
        guard let name = pod[path: ["metadata", "name"]]?.string,
              let namespace = pod[path: ["metadata", "namespace"]]?.string else { return nil }
        self.name = name
        self.namespace = namespace
        var texts = (pod[path: ["status", "podIPs"]]?.array ?? []).compactMap { $0["ip"]?.string }
        if texts.isEmpty, let one = pod[path: ["status", "podIP"]]?.string { texts = [one] }
        // Pods on the host network share the node's address; they get no pod records (as CoreDNS).
        if pod[path: ["spec", "hostNetwork"]]?.bool == true { texts = [] }
        ips = texts.compactMap { IPAddress($0) }
    }
}
