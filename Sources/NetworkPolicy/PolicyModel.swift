import APIMachinery

/// What policy enforcement needs of a Pod: where it is, its address, labels and named container ports.
public struct PolicyPod: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var ip: String
    public var nodeName: String
    public var labels: [String: String]
    /// Container port name → (number, protocol): what a policy's named port means for this pod.
    public var namedPorts: [String: NamedPort]

    public struct NamedPort: Sendable, Hashable {
        public var port: Int
        public var proto: String

        public init(port: Int, proto: String) {
            self.port = port
            self.proto = proto
        }
    }

    public init(namespace: String, name: String, ip: String, nodeName: String, labels: [String: String] = [:],
                namedPorts: [String: NamedPort] = [:]) {
        self.namespace = namespace
        self.name = name
        self.ip = ip
        self.nodeName = nodeName
        self.labels = labels
        self.namedPorts = namedPorts
    }

    /// nil for pods policies cannot apply to: no IPv4 address yet, host network, or finished.
    public static func from(_ pod: JSON) -> PolicyPod? {
        guard let ns = pod[path: ["metadata", "namespace"]]?.string, let name = pod[path: ["metadata", "name"]]?.string,
              let ip = pod[path: ["status", "podIP"]]?.string, IPv4CIDR.parseAddress(ip) != nil,
              pod[path: ["spec", "hostNetwork"]]?.bool != true
        else { return nil }
        let phase = pod[path: ["status", "phase"]]?.string
        if phase == "Succeeded" || phase == "Failed" { return nil }
        var named: [String: NamedPort] = [:]
        for c in pod[path: ["spec", "containers"]]?.array ?? [] {
            for p in c["ports"]?.array ?? [] {
                guard let n = p["name"]?.string, !n.isEmpty, let port = p["containerPort"]?.int else { continue }
                named[n] = NamedPort(port: Int(port), proto: (p["protocol"]?.string ?? "TCP").uppercased())
            }
        }
        let labels = (pod[path: ["metadata", "labels"]]?.object ?? [:]).compactMapValues(\.string)
        return PolicyPod(namespace: ns, name: name, ip: ip, nodeName: pod[path: ["spec", "nodeName"]]?.string ?? "",
                         labels: labels, namedPorts: named)
    }
}

/// A `networking.k8s.io/v1` NetworkPolicy, decoded. Selectors that fail to parse select nothing (the API
/// server validates them, so that only happens for objects written around validation).
public struct PolicyInfo: Sendable, Hashable {
    public enum PortValue: Sendable, Hashable {
        case number(Int)
        case named(String)
    }

    public struct Port: Sendable, Hashable {
        /// TCP, UDP or SCTP (default TCP).
        public var proto: String
        /// nil: every port of the protocol.
        public var port: PortValue?
        /// With a numeric `port`: the range `port...endPort`.
        public var endPort: Int?
    }

    public enum Peer: Sendable, Hashable {
        /// Pods: `podSelector` within the policy's namespace, `namespaceSelector`'s namespaces, or both.
        case pods(podSelector: LabelSelector?, namespaceSelector: LabelSelector?)
        case ipBlock(cidr: IPv4CIDR, except: [IPv4CIDR])
    }

    public struct Rule: Sendable, Hashable {
        /// nil or empty: every peer.
        public var peers: [Peer]
        /// Empty: every port.
        public var ports: [Port]
    }

    public var namespace: String
    public var name: String
    public var podSelector: LabelSelector
    public var isolatesIngress: Bool
    public var isolatesEgress: Bool
    public var ingress: [Rule]
    public var egress: [Rule]

    public static func from(_ policy: JSON) -> PolicyInfo? {
        guard let ns = policy[path: ["metadata", "namespace"]]?.string, let name = policy[path: ["metadata", "name"]]?.string,
              let spec = policy["spec"]
        else { return nil }
        let ingress = (spec["ingress"]?.array ?? []).map(rule(peersKey: "from"))
        let egress = (spec["egress"]?.array ?? []).map(rule(peersKey: "to"))
        // Upstream's defaulting: Ingress always, Egress when there are egress rules.
        let types = spec["policyTypes"]?.array?.compactMap(\.string) ?? (["Ingress"] + (egress.isEmpty ? [] : ["Egress"]))
        return PolicyInfo(
            namespace: ns, name: name, podSelector: selector(spec["podSelector"] ?? [:]) ?? .nothing,
            isolatesIngress: types.contains("Ingress"), isolatesEgress: types.contains("Egress"), ingress: ingress, egress: egress)
    }

    static func selector(_ json: JSON?) -> LabelSelector? {
        guard let json, json != .null else { return nil }
        return (try? LabelSelector(labelSelector: json)) ?? .nothing
    }

    static func rule(peersKey: String) -> (JSON) -> Rule {
        { r in
            var peers: [Peer] = []
            for p in r[peersKey]?.array ?? [] {
                if let block = p["ipBlock"] {
                    // An unparseable (or IPv6) block matches nothing here: this table is IPv4 only.
                    guard let cidr = block["cidr"]?.string.flatMap(IPv4CIDR.init) else {
                        peers.append(.pods(podSelector: .nothing, namespaceSelector: nil))
                        continue
                    }
                    peers.append(.ipBlock(cidr: cidr, except: (block["except"]?.array ?? []).compactMap { $0.string.flatMap(IPv4CIDR.init) }))
                } else {
                    peers.append(.pods(podSelector: selector(p["podSelector"]), namespaceSelector: selector(p["namespaceSelector"])))
                }
            }
            var ports: [Port] = []
            for p in r["ports"]?.array ?? [] {
                var value: PortValue?
                if let n = p["port"]?.int { value = .number(Int(n)) } else if let s = p["port"]?.string { value = Int(s).map(PortValue.number) ?? .named(s) }
                ports.append(Port(proto: (p["protocol"]?.string ?? "TCP").uppercased(), port: value, endPort: p["endPort"]?.int.map(Int.init)))
            }
            return Rule(peers: peers, ports: ports)
        }
    }

    /// True when this policy applies to `pod`.
    public func selects(_ pod: PolicyPod) -> Bool {
        pod.namespace == namespace && podSelector.matches(pod.labels)
    }
}
