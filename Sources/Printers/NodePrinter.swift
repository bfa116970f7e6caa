import APIMachinery
import Foundation

/// `kubectl get nodes`: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
/// CONTAINER-RUNTIME. STATUS is "Ready", "NotReady" or "Unknown" (no Ready condition), plus
/// ",SchedulingDisabled" for cordoned nodes.
public struct NodePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Status", description: "The status of the node"),
        TableColumn(name: "Roles", description: "The roles of the node"),
        ColumnDescriptions.ageColumn,
        TableColumn(name: "Version", description: "Kubelet Version reported by the node."),
        TableColumn(name: "Internal-IP", priority: 1, description: addressesDescription),
        TableColumn(name: "External-IP", priority: 1, description: addressesDescription),
        TableColumn(name: "OS-Image", priority: 1, description: "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
        TableColumn(name: "Kernel-Version", priority: 1, description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
        TableColumn(name: "Container-Runtime", priority: 1, description: "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
    ]

    static let addressesDescription =
        "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)."

    public func cells(for node: JSON, now: Date) -> [JSON] {
        // Upstream keys conditions by type; a repeated type keeps the last one.
        var ready: JSON?
        for c in node.list("status.conditions") where c.str("type") == "Ready" { ready = c }
        var status: [String] = []
        if let ready { status.append(ready.str("status") == "True" ? "Ready" : "NotReady") }
        if status.isEmpty { status.append("Unknown") }
        if node.flag("spec.unschedulable") { status.append("SchedulingDisabled") }

        let roles = Self.roles(node.at("metadata.labels")?.stringMap ?? [:])
        func address(_ type: String) -> String {
            node.list("status.addresses").first { $0.str("type") == type }?.str("address") ?? "<none>"
        }
        func orUnknown(_ s: String) -> String { s.isEmpty ? "<unknown>" : s }
        return [
            .string(node.name), .string(status.joined(separator: ",")), .string(roles.isEmpty ? "<none>" : roles.joined(separator: ",")),
            .string(translateTimestampSince(node.creationTimestamp, now: now)), .string(node.str("status.nodeInfo.kubeletVersion")),
            .string(address("InternalIP")), .string(address("ExternalIP")),
            .string(orUnknown(node.str("status.nodeInfo.osImage"))), .string(orUnknown(node.str("status.nodeInfo.kernelVersion"))),
            .string(orUnknown(node.str("status.nodeInfo.containerRuntimeVersion"))),
        ]
    }

    /// Upstream's `findNodeRoles`: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value,
    /// sorted and de-duplicated.
    static func roles(_ labels: [String: String]) -> [String] {
        let prefix = "node-role.kubernetes.io/"
        var roles = Set<String>()
        for (k, v) in labels {
            if k.hasPrefix(prefix) {
                let role = String(k.dropFirst(prefix.count))
                if !role.isEmpty { roles.insert(role) }
            } else if k == "kubernetes.io/role" && !v.isEmpty {
                roles.insert(v)
            }
        }
        return roles.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
