import Foundation

/// Every name, address and path of one real node, as docs/nodes.md lays them out — derived from the cluster
/// name, the node name and the node's index, so every command (create, load, logs, delete, the supervisor)
/// computes the same facts without storing them.
public struct NodeLayout: Sendable, Equatable {
    public let cluster: String
    public let name: String
    /// Position in the cluster's node list; the control plane is 0.
    public let index: Int
    /// `$SKIFF_HOME/clusters/C/nodes/N`.
    public let directory: URL

    /// Socket paths must fit `sockaddr_un.sun_path` (108 bytes with the terminating NUL).
    public static let maxSocketPathBytes = 107

    public init(cluster: String, name: String, index: Int, clusterRoot: URL) {
        self.cluster = cluster
        self.name = name
        self.index = index
        directory = clusterRoot.appendingPathComponent("nodes").appendingPathComponent(name)
    }

    /// The layouts of every real node of a cluster, in spec order (simulated nodes have no namespace,
    /// containerd or cgroups; the node simulator runs them).
    public static func all(spec: ClusterSpec, paths: ClusterPaths) -> [NodeLayout] {
        spec.nodes.enumerated().filter { !spec.isSimulated($0.element) }.map {
            NodeLayout(cluster: spec.name, name: $1.name, index: $0, clusterRoot: paths.root)
        }
    }

    // MARK: network

    /// The node's network namespace, `skiff-N`.
    public var netns: String { "skiff-\(name)" }
    public var netnsPath: String { "/run/netns/\(netns)" }
    /// The node's InternalIP: `172.30.0.(i+2)`, on `eth0` in the node namespace.
    public var ip: String { ClusterSpec.Node.internalIP(index: index) }
    public static let nodeNetworkPrefixLength = 24
    /// Node addresses 172.30.0.2 to .252 (the rest of the /24 is the bridge's and the host link's).
    public static let maxRealNodes = 251
    /// The node's pod range, `10.244.i.0/24`.
    public var podCIDR: String { "10.244.\(index).0/24" }
    /// The pod gateway on the node's `cni0` bridge.
    public var podGateway: String { "10.244.\(index).1" }

    // MARK: containerd

    /// `/run/skiff/C/N`: containerd's state and sockets (short, because socket paths are bounded).
    public var runDirectory: URL { URL(fileURLWithPath: "/run/skiff/\(cluster)/\(name)") }
    public var containerdSocket: String { runDirectory.appendingPathComponent("containerd.sock").path }
    public var ttrpcSocket: String { runDirectory.appendingPathComponent("ttrpc.sock").path }
    public var containerdState: String { runDirectory.appendingPathComponent("state").path }
    /// What the kubelet dials: `unix:///run/skiff/C/N/containerd.sock`.
    public var criEndpoint: String { "unix://\(containerdSocket)" }
    /// runc's state for this node's containers.
    public var runcRoot: String { runDirectory.appendingPathComponent("runc").path }
    /// host-local IPAM's reservations, on tmpfs so they go with the node.
    public var ipamDirectory: String { runDirectory.appendingPathComponent("ipam").path }

    public var containerdRoot: URL { directory.appendingPathComponent("containerd") }
    public var containerdConfig: URL { containerdRoot.appendingPathComponent("config.toml") }
    public var containerdOpt: URL { directory.appendingPathComponent("opt") }
    public var cniConfDir: URL { directory.appendingPathComponent("cni/net.d") }
    public var kubeletRoot: URL { directory.appendingPathComponent("kubelet") }

    /// The supervisor's name for this node's containerd (also its log and pid file name).
    public var containerdComponent: String { "containerd-\(name)" }
    public var kubeletComponent: String { "kubelet-\(name)" }

    // MARK: cgroups

    /// The parent of every pod cgroup of this node (cgroupfs driver), in every controller.
    public var cgroupRoot: String { "/skiff/\(cluster)/\(name)" }
    public static func clusterCgroup(_ cluster: String) -> String { "/skiff/\(cluster)" }

    /// Names too long for the socket path limit cannot run containerd; say so before creating anything.
    public func validate() throws {
        for socket in [containerdSocket, ttrpcSocket] where socket.utf8.count > Self.maxSocketPathBytes {
            throw ClusterError("the socket path \(socket) is longer than \(Self.maxSocketPathBytes) bytes: use a shorter cluster name")
        }
        if index >= Self.maxRealNodes { throw ClusterError("at most 251 real nodes fit the node network 172.30.0.0/24 (simulated nodes have no such limit)") }
    }
}

extension ClusterPaths {
    /// `/run/skiff/C`: every node's containerd state and sockets.
    public var runtimeRun: URL { URL(fileURLWithPath: "/run/skiff/\(name)") }
    /// The cluster's network namespace, holding the bridge every node's `eth0` is attached to.
    public var clusterNetns: String { "skiff-\(name)" }
    public var nodes: URL { root.appendingPathComponent("nodes") }
}
