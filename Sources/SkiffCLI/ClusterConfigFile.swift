import APIMachinery
import ArgumentParser
import Cluster
import Foundation

/// The part of kind's cluster config (`kind: Cluster`, `apiVersion: kind.x-k8s.io/v1alpha4`) Skiff honours:
/// the cluster's name, its node list (one control plane first, then workers) and each node's
/// `extraPortMappings` (published on the host's loopback only).
struct ClusterConfigFile {
    var name: String?
    var nodes: Int
    var portMappings: [PortMapping] = []

    static func load(path: String) throws -> ClusterConfigFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("cannot read \(path): \(error.localizedDescription)") }
        let doc: JSON
        do { doc = try YAMLDecoding.decode(text) } catch { throw ValidationError("\(path): \(error)") }
        guard doc["kind"]?.string == "Cluster" else { throw ValidationError("\(path): kind must be Cluster") }
        let roles = (doc["nodes"]?.array ?? [["role": "control-plane"]]).map { $0["role"]?.string ?? "control-plane" }
        guard roles.first == "control-plane", roles.filter({ $0 == "control-plane" }).count == 1 else {
            throw ValidationError("\(path): exactly one control-plane node, listed first, is supported")
        }
        if let bad = roles.first(where: { $0 != "control-plane" && $0 != "worker" }) {
            throw ValidationError("\(path): unknown node role \"\(bad)\" (control-plane or worker)")
        }
        var mappings: [PortMapping] = []
        for (i, node) in (doc["nodes"]?.array ?? []).enumerated() {
            for (j, m) in (node["extraPortMappings"]?.array ?? []).enumerated() {
                mappings.append(try portMapping(m, node: i, at: "\(path): nodes[\(i)].extraPortMappings[\(j)]"))
            }
        }
        return ClusterConfigFile(name: doc["name"]?.string, nodes: roles.count, portMappings: mappings)
    }

    /// kind's `{containerPort, hostPort, listenAddress, protocol}`; the listen address must be loopback
    /// (kind's default 0.0.0.0 would publish the cluster to the machine's network).
    static func portMapping(_ m: JSON, node: Int, at place: String) throws -> PortMapping {
        func port(_ key: String) throws -> Int {
            guard let v = m[key]?.int, (1...65535).contains(v) else { throw ValidationError("\(place).\(key): a port number 1-65535 is required") }
            return Int(v)
        }
        let proto: PortMapping.Proto
        switch (m["protocol"]?.string ?? "TCP").uppercased() {
        case "TCP": proto = .tcp
        case "UDP": proto = .udp
        case let other: throw ValidationError("\(place).protocol: \"\(other)\" is not supported (TCP or UDP)")
        }
        let listen = m["listenAddress"]?.string ?? "127.0.0.1"
        guard let a = IPv4CIDR.parseAddress(listen), a >> 24 == 127 else {
            throw ValidationError("\(place).listenAddress: \"\(listen)\": only loopback addresses (127.x.y.z) are published")
        }
        return PortMapping(hostPort: try port("hostPort"), nodePort: try port("containerPort"), proto: proto, node: node, listenAddress: listen)
    }
}
