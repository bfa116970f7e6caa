/// What kind gives a cluster's control-plane node, for its kubelet process and the node simulator alike.
public enum NodeRoles {
    /// The role label, and the exclusion from external load balancers kubeadm sets.
    public static let controlPlaneLabels = [
        "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "",
    ]

    /// The control-plane node's taint (effect NoSchedule, no value).
    public static let controlPlaneTaintKey = "node-role.kubernetes.io/control-plane"

    /// kind removes the control-plane taint on a single-node cluster so workloads can run there.
    public static func hasControlPlaneTaint(nodes: Int) -> Bool { nodes > 1 }

    /// The taint as the kubelet's `--register-with-taints` takes it, when the cluster has one.
    public static func controlPlaneTaint(nodes: Int) -> String? {
        hasControlPlaneTaint(nodes: nodes) ? "\(controlPlaneTaintKey)=:NoSchedule" : nil
    }
}
