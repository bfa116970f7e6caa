import APIMachinery
import Foundation

/// What `skiff create cluster` decided about a cluster, written to `cluster.json` so every later command
/// (and the supervisor) reads the same facts.
public struct ClusterSpec: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var name: String
        /// "control-plane" or "worker".
        public var role: String
        /// This node's pod range, e.g. "10.244.0.0/24".
        public var podCIDR: String
        /// The port of this node's kubelet HTTPS endpoint (nil in specs written before kubelets served one).
        public var kubeletPort: Int?

        /// True for a node the node simulator runs, false for a real one; nil (every spec written before
        /// clusters could mix them): as the cluster's `runtime` says.
        public var simulated: Bool? = nil
        /// A simulated node `skiff pause node` froze: no heartbeat, no pod sync, no endpoint.
        public var paused: Bool? = nil

        /// The kubelet port to use: the recorded one, else 10250 + the node's index.
        public func kubeletPort(index: Int) -> Int { kubeletPort ?? 10250 + index }

        /// The node's InternalIP on the cluster bridge (docs/nodes.md): 172.30.0.(i+2).
        public static func internalIP(index: Int) -> String { "172.30.0.\(index + 2)" }
    }

    public var name: String
    public var nodes: [Node]
    /// "simulated" or "containerd".
    public var runtime: String
    public var apiServerPort: Int
    public var serviceCIDR: String
    public var podCIDR: String
    public var createdAt: String
    /// The host's way in (docs/networking.md): nil for simulated clusters and for specs written before it.
    public var hostLink: HostLink?
    /// Node ports published on the host's loopback (`--port`, `extraPortMappings`).
    public var portMappings: [PortMapping]?
    /// Where each component serves `/metrics` on 127.0.0.1 (nil in specs written before they did).
    public var metricsPorts: MetricsPorts? = nil

    /// The loopback ports of the components' plain-HTTP `/metrics` and `/healthz` listeners, chosen free
    /// when the cluster is made (upstream's fixed 10259, 10257, 10249 and 9153 would collide between the
    /// clusters of one host). The kubelets' `/metrics` is on their HTTPS port (`Node.kubeletPort`), and the
    /// API server's on its own.
    public struct MetricsPorts: Codable, Sendable, Equatable {
        public var scheduler: Int
        public var controllerManager: Int
        /// `skiff dns` (clusters with real nodes only).
        public var dns: Int?
        /// Each node's `skiff proxy`, by node name (clusters with real nodes only).
        public var proxy: [String: Int]?

        public init(scheduler: Int, controllerManager: Int, dns: Int? = nil, proxy: [String: Int]? = nil) {
            self.scheduler = scheduler
            self.controllerManager = controllerManager
            self.dns = dns
            self.proxy = proxy
        }

        /// How many ports a cluster of `nodes` nodes on `runtime` needs, in the order `init(ports:)` takes them.
        public static func count(nodes: Int, runtime: String) -> Int { runtime == "containerd" ? 3 + nodes : 2 }

        /// Scheduler, controller manager, then (real nodes) DNS and each node's proxy.
        public init(ports: [Int], nodeNames: [String], runtime: String) {
            self.init(scheduler: ports[0], controllerManager: ports[1])
            if runtime == "containerd" {
                dns = ports[2]
                proxy = Dictionary(uniqueKeysWithValues: zip(nodeNames, ports.dropFirst(3)))
            }
        }
    }

    /// Where the API server keeps objects: nil (specs written before there was a choice) or "sqlite", the
    /// embedded store; "etcd", a supervised etcd member (`--store etcd`) on `etcdPorts`.
    public var store: String?
    public var etcdPorts: EtcdPorts?

    /// The loopback ports of the control plane's etcd member.
    public struct EtcdPorts: Codable, Sendable, Equatable {
        public var client: Int
        public var peer: Int
        public init(client: Int, peer: Int) {
            self.client = client
            self.peer = peer
        }
    }

    /// Whether the node simulator runs `node` (else a kubelet process of its own on containerd).
    public func isSimulated(_ node: Node) -> Bool { node.simulated ?? (runtime == "simulated") }

    /// The nodes the node simulator runs, in spec order.
    public var simulatedNodes: [Node] { nodes.filter(isSimulated) }

    /// True when the API server runs on etcd.
    public var usesEtcd: Bool { store == "etcd" && etcdPorts != nil }

    /// kind's node names: N-control-plane, then N-worker, N-worker2, ...
    public static func nodeNames(cluster: String, count: Int) -> [String] {
        guard count > 0 else { return [] }
        var names = ["\(cluster)-control-plane"]
        for i in 1..<max(count, 1) { names.append(i == 1 ? "\(cluster)-worker" : "\(cluster)-worker\(i)") }
        return names
    }

    /// `metricsPorts`: `MetricsPorts.count(nodes:runtime:)` free ports, or none for no metrics listeners.
    public static func make(name: String, nodes count: Int, runtime: String, port: Int, kubeletPorts: [Int] = [],
                            hostLink: HostLink? = nil, portMappings: [PortMapping] = [], metricsPorts: [Int] = [],
                            etcdPorts: EtcdPorts? = nil) -> ClusterSpec {
        let names = nodeNames(cluster: name, count: count)
        let plan = PodCIDRPlan.forNodes(count) ?? .standard
        return ClusterSpec(
            name: name,
            nodes: names.enumerated().map { i, n in
                Node(name: n, role: i == 0 ? "control-plane" : "worker", podCIDR: plan.nodeCIDR(index: i) ?? "",
                     kubeletPort: i < kubeletPorts.count ? kubeletPorts[i] : nil)
            },
            runtime: runtime, apiServerPort: port, serviceCIDR: "10.96.0.0/16", podCIDR: plan.clusterCIDR,
            createdAt: RFC3339.time(), hostLink: hostLink, portMappings: portMappings.isEmpty ? nil : portMappings,
            metricsPorts: metricsPorts.count >= MetricsPorts.count(nodes: names.count, runtime: runtime)
                ? MetricsPorts(ports: metricsPorts, nodeNames: names, runtime: runtime) : nil,
            store: etcdPorts == nil ? "sqlite" : "etcd", etcdPorts: etcdPorts)
    }

    public func save(to url: URL) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: url, options: .atomic)
    }

    public static func load(from url: URL) throws -> ClusterSpec {
        try JSONDecoder().decode(ClusterSpec.self, from: Data(contentsOf: url))
    }
}
