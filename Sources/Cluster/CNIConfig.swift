import Foundation

/// The CNI network of one node's pods: a `bridge` named `cni0` that is the pods' gateway (the first
/// address of the node's pod range), host-local addresses from that range and a default route to the
/// gateway inside each pod. No masquerade: traffic between pods on different nodes is routed by the node
/// namespaces, and nothing has a way out. containerd adds the loopback interface itself.
/// cniVersion 1.0.0 is the newest Debian's plugins (1.1.1) and containerd 1.6's libcni both speak.
/// `portmap` follows the bridge so a pod's `hostPort` answers at the node's address (containerd passes the
/// sandbox's port mappings to plugins declaring the `portMappings` capability); it writes its DNAT rules
/// with iptables (nf_tables backend), in the node's namespace only.
public struct CNIConfig: Sendable, Equatable {
    public static let cniVersion = "1.0.0"
    public static let networkName = "skiff"
    public static let fileName = "10-skiff.conflist"

    public var podCIDR: String
    /// Where host-local keeps its reservations (one directory per node, never shared).
    public var ipamDataDir: String

    public init(podCIDR: String, ipamDataDir: String) {
        self.podCIDR = podCIDR
        self.ipamDataDir = ipamDataDir
    }

    public init(node: NodeLayout) {
        self.init(podCIDR: node.podCIDR, ipamDataDir: node.ipamDirectory)
    }

    struct Conflist: Codable {
        struct Plugin: Codable {
            var type: String
            var bridge: String?
            var isGateway: Bool?
            var ipMasq: Bool?
            var hairpinMode: Bool?
            var ipam: IPAM?
            var capabilities: [String: Bool]?
            var snat: Bool?
        }
        struct IPAM: Codable {
            var type: String
            var ranges: [[Range]]
            var routes: [Route]
            var dataDir: String
        }
        struct Range: Codable { var subnet: String }
        struct Route: Codable { var dst: String }
        var cniVersion: String
        var name: String
        var plugins: [Plugin]
    }

    public var json: Data {
        let list = Conflist(cniVersion: Self.cniVersion, name: Self.networkName, plugins: [
            .init(type: "bridge", bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true,
                  ipam: .init(type: "host-local", ranges: [[.init(subnet: podCIDR)]], routes: [.init(dst: "0.0.0.0/0")],
                              dataDir: ipamDataDir)),
            // snat: a pod reaching its own hostPort through the node's address gets its answer back.
            .init(type: "portmap", capabilities: ["portMappings": true], snat: true),
        ])
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! enc.encode(list)
    }
}
