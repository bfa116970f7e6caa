/// An immutable view of the cluster's DNS-relevant objects with the indexes queries need. Values are
/// copy-on-write, so handing a snapshot to each query costs a few reference counts, and a query sees one
/// consistent state however the informers change it meanwhile.
public struct ClusterSnapshot: Sendable {
    /// `namespace/name`, lowercased (DNS matching is case-insensitive; Kubernetes names are lowercase).
    public internal(set) var services: [String: ServiceEntry] = [:]
    /// Service key → slice name → slice.
    public internal(set) var slices: [String: [String: SliceEntry]] = [:]
    /// Pod key → pod.
    public internal(set) var pods: [String: PodEntry] = [:]
    /// Namespaces that exist (lowercased).
    public internal(set) var namespaces: Set<String> = []
    /// Whether namespaces are tracked at all; when not, every namespace is taken to exist.
    public internal(set) var tracksNamespaces = false
    /// ClusterIP → service keys.
    public internal(set) var servicesByIP: [IPAddress: Set<String>] = [:]
    /// Pod IP → pod keys.
    public internal(set) var podsByIP: [IPAddress: Set<String>] = [:]
    /// Endpoint address → service keys whose slices list it.
    public internal(set) var endpointsByIP: [IPAddress: Set<String>] = [:]
    /// Bumped on every change: the SOA serial.
    public internal(set) var serial: UInt32 = 1

    public init() {}

    static func key(_ namespace: String, _ name: String) -> String { "\(namespace.lowercased())/\(name.lowercased())" }

    public func namespaceExists(_ ns: String) -> Bool { !tracksNamespaces || namespaces.contains(ns) }

    /// The endpoints of a Service across all its slices, with the ports of the slice each came from.
    func endpoints(ofService key: String) -> [(endpoint: SliceEntry.Endpoint, ports: [ServiceEntry.Port])] {
        guard let bySlice = slices[key] else { return [] }
        return bySlice.keys.sorted().flatMap { name in bySlice[name]!.endpoints.map { ($0, bySlice[name]!.ports) } }
    }

    // MARK: Changes

    mutating func upsertService(_ s: ServiceEntry) {
        let k = Self.key(s.namespace, s.name)
        removeService(key: k)
        services[k] = s
        for ip in s.clusterIPs { servicesByIP[ip, default: []].insert(k) }
        serial &+= 1
    }

    mutating func removeService(key k: String) {
        guard let old = services.removeValue(forKey: k) else { return }
        for ip in old.clusterIPs { Self.drop(k, ip, from: &servicesByIP) }
        serial &+= 1
    }

    mutating func upsertSlice(_ s: SliceEntry) {
        removeSlice(namespace: s.namespace, name: s.name)
        let k = Self.key(s.namespace, s.serviceName)
        slices[k, default: [:]][s.name] = s
        for e in s.endpoints { for ip in e.addresses { endpointsByIP[ip, default: []].insert(k) } }
        serial &+= 1
    }

    mutating func removeSlice(namespace: String, name: String) {
        // A slice's service label could have changed, so find it by name among the namespace's services.
        let prefix = namespace.lowercased() + "/"
        for k in slices.keys where k.hasPrefix(prefix) {
            guard let old = slices[k]?.removeValue(forKey: name) else { continue }
            if slices[k]!.isEmpty { slices[k] = nil }
            let still = Set(endpoints(ofService: k).flatMap(\.endpoint.addresses))
            for e in old.endpoints { for ip in e.addresses where !still.contains(ip) { Self.drop(k, ip, from: &endpointsByIP) } }
            serial &+= 1
        }
    }

    mutating func upsertPod(_ p: PodEntry) {
        let k = Self.key(p.namespace, p.name)
        removePod(key: k)
        pods[k] = p
        for ip in p.ips { podsByIP[ip, default: []].insert(k) }
    }

    mutating func removePod(key k: String) {
        guard let old = pods.removeValue(forKey: k) else { return }
        for ip in old.ips { Self.drop(k, ip, from: &podsByIP) }
    }

    mutating func setNamespace(_ name: String, exists: Bool) {
        tracksNamespaces = true
        if exists { namespaces.insert(name.lowercased()) } else { namespaces.remove(name.lowercased()) }
        serial &+= 1
    }

    private static func drop(_ key: String, _ ip: IPAddress, from index: inout [IPAddress: Set<String>]) {
        index[ip]?.remove(key)
        if index[ip]?.isEmpty == true { index[ip] = nil }
    }
}
