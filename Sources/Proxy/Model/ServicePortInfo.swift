import APIMachinery
import Foundation

/// One port of one Service, as the proxy programs it: the unit that gets a `service-…` chain (upstream's
/// `ServicePort`). A Service with three ports is three of these.
public struct ServicePortInfo: Sendable, Hashable, Comparable {
    public var namespace: String
    public var name: String
    /// The port's `name` ("" for a single unnamed port); matches the EndpointSlice port of the same name.
    public var portName: String
    public var proto: L4Protocol
    /// The IPv4 ClusterIP.
    public var clusterIP: String
    public var port: Int
    /// Set for NodePort and LoadBalancer services.
    public var nodePort: Int?
    /// `sessionAffinity: ClientIP`'s timeout in seconds; nil without affinity.
    public var affinityTimeoutSeconds: Int?
    /// The IPv4 addresses of `status.loadBalancer.ingress` whose `ipMode` is VIP (or unset): traffic to them
    /// is the proxy's. `ipMode: Proxy` addresses belong to a balancer that forwards to the nodes itself.
    public var loadBalancerIPs: [String]
    /// `externalTrafficPolicy: Local`: NodePort and load-balancer traffic goes to this node's endpoints
    /// only, with the client's address kept.
    public var externalPolicyLocal: Bool
    /// `loadBalancerSourceRanges` (IPv4 CIDRs): load-balancer traffic from anywhere else is dropped.
    public var sourceRanges: [String]

    public init(
        namespace: String, name: String, portName: String = "", proto: L4Protocol = .tcp, clusterIP: String, port: Int,
        nodePort: Int? = nil, affinityTimeoutSeconds: Int? = nil, loadBalancerIPs: [String] = [], externalPolicyLocal: Bool = false,
        sourceRanges: [String] = []
    ) {
        self.namespace = namespace
        self.name = name
        self.portName = portName
        self.proto = proto
        self.clusterIP = clusterIP
        self.port = port
        self.nodePort = nodePort
        self.affinityTimeoutSeconds = affinityTimeoutSeconds
        self.loadBalancerIPs = loadBalancerIPs
        self.externalPolicyLocal = externalPolicyLocal
        self.sourceRanges = sourceRanges
    }

    /// True when something outside the cluster's pods may reach this port (NodePort or load balancer).
    public var hasExternalTraffic: Bool { nodePort != nil || !loadBalancerIPs.isEmpty }

    /// `namespace/name`, the key EndpointSlices point at through `kubernetes.io/service-name`.
    public var serviceKey: String { "\(namespace)/\(name)" }

    /// Upstream's `ServicePortName` string, `ns/name:port` (or `ns/name` for an unnamed port): used in comments.
    public var displayName: String { portName.isEmpty ? serviceKey : "\(serviceKey):\(portName)" }

    public static func < (a: ServicePortInfo, b: ServicePortInfo) -> Bool {
        (a.namespace, a.name, a.portName, a.proto.rawValue) < (b.namespace, b.name, b.portName, b.proto.rawValue)
    }

    /// The API's default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours).
    public static let defaultAffinityTimeout = 10800

    /// The ports the proxy serves for a Service object: none for headless (`clusterIP: None`), ExternalName,
    /// not-yet-allocated or IPv6-only services, since this proxy programs one IPv4 table.
    public static func from(service: JSON) -> [ServicePortInfo] {
        guard let namespace = service[path: ["metadata", "namespace"]]?.string,
            let name = service[path: ["metadata", "name"]]?.string,
            let spec = service["spec"]
        else { return [] }
        let type = spec["type"]?.string ?? "ClusterIP"
        if type == "ExternalName" { return [] }
        var candidates = spec["clusterIPs"]?.array?.compactMap(\.string) ?? []
        if let ip = spec["clusterIP"]?.string, !candidates.contains(ip) { candidates.insert(ip, at: 0) }
        guard let clusterIP = candidates.first(where: IPv4.isValid) else { return [] }
        var affinity: Int?
        if spec["sessionAffinity"]?.string == "ClientIP" {
            let t = spec[path: ["sessionAffinityConfig", "clientIP", "timeoutSeconds"]]?.int ?? Int64(defaultAffinityTimeout)
            affinity = Int(max(1, min(t, 86400)))
        }
        let exposesNodePorts = type == "NodePort" || type == "LoadBalancer"
        var lbIPs: [String] = []
        var ranges: [String] = []
        if type == "LoadBalancer" {
            for i in service[path: ["status", "loadBalancer", "ingress"]]?.array ?? [] {
                guard let ip = i["ip"]?.string, IPv4.isValid(ip), (i["ipMode"]?.string ?? "VIP") == "VIP", !lbIPs.contains(ip) else { continue }
                lbIPs.append(ip)
            }
            // Validation allows spaces around each range (it trims them); IPv6 ranges have no place in an ip table.
            ranges = (spec["loadBalancerSourceRanges"]?.array ?? []).compactMap { $0.string?.trimmingCharacters(in: .whitespaces) }
                .compactMap { IPv4CIDR($0)?.description }
        }
        let local = exposesNodePorts && spec["externalTrafficPolicy"]?.string == "Local"
        var out: [ServicePortInfo] = []
        for p in spec["ports"]?.array ?? [] {
            guard let port = p["port"]?.int, let proto = L4Protocol(apiValue: p["protocol"]?.string) else { continue }
            var nodePort: Int?
            if exposesNodePorts, let np = p["nodePort"]?.int, np > 0 { nodePort = Int(np) }
            out.append(ServicePortInfo(
                namespace: namespace, name: name, portName: p["name"]?.string ?? "", proto: proto, clusterIP: clusterIP,
                port: Int(port), nodePort: nodePort, affinityTimeoutSeconds: affinity, loadBalancerIPs: lbIPs,
                externalPolicyLocal: local, sourceRanges: ranges))
        }
        return out
    }
}

/// Dotted-quad IPv4 checks: the table is `ip` family, so IPv6 addresses are left out rather than written
/// into rules nft would refuse.
public enum IPv4 {
    public static func isValid(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCII), p.allSatisfy(\.isNumber), let v = Int(p), v <= 255 else { return false }
        }
        return true
    }
}
