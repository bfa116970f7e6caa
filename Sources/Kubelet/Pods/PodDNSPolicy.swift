import APIMachinery

/// A pod's resolv.conf from its `dnsPolicy` and `dnsConfig` (upstream's `GetPodDNS`).
public enum PodDNSPolicy {
    /// nil means "the node's own resolver configuration" (`Default`, or host-network pods under ClusterFirst).
    public static func resolve(pod: JSON, clusterDNS: [String], clusterDomain: String) -> PodDNS? {
        let namespace = pod[path: ["metadata", "namespace"]]?.string ?? "default"
        let hostNetwork = pod[path: ["spec", "hostNetwork"]]?.bool ?? false
        var policy = pod[path: ["spec", "dnsPolicy"]]?.string ?? "ClusterFirst"
        if policy == "ClusterFirst", hostNetwork { policy = "Default" }
        if policy == "ClusterFirstWithHostNet" { policy = "ClusterFirst" }
        var dns: PodDNS?
        switch policy {
        case "ClusterFirst" where !clusterDNS.isEmpty:
            dns = PodDNS(servers: clusterDNS,
                         searches: ["\(namespace).svc.\(clusterDomain)", "svc.\(clusterDomain)", clusterDomain],
                         options: ["ndots:5"])
        case "None":
            dns = PodDNS(servers: [], searches: [], options: [])
        default:
            dns = nil
        }
        if let config = pod[path: ["spec", "dnsConfig"]] {
            var merged = dns ?? PodDNS(servers: [], searches: [], options: [])
            for s in config["nameservers"]?.array ?? [] { if let v = s.string, !merged.servers.contains(v) { merged.servers.append(v) } }
            for s in config["searches"]?.array ?? [] { if let v = s.string, !merged.searches.contains(v) { merged.searches.append(v) } }
            for o in config["options"]?.array ?? [] {
                guard let name = o["name"]?.string else { continue }
                let text = o["value"]?.string.map { "\(name):\($0)" } ?? name
                merged.options.removeAll { $0 == name || $0.hasPrefix(name + ":") }
                merged.options.append(text)
            }
            dns = merged
        }
        return dns
    }
}
