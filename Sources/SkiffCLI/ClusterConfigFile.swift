import APIMachinery
import ArgumentParser
import Foundation

/// The part of kind's cluster config (`kind: Cluster`, `apiVersion: kind.x-k8s.io/v1alpha4`) Skiff honours:
/// the cluster's name and its node list, one control plane first and then workers.
struct ClusterConfigFile {
    var name: String?
    var nodes: Int

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
        return ClusterConfigFile(name: doc["name"]?.string, nodes: roles.count)
    }
}
