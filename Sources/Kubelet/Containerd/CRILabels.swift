/// The labels upstream's kubelet puts on CRI sandboxes and containers, and by which it finds them again:
/// the runtime, not the kubelet, holds a pod's state, so a restarted kubelet adopts what runs.
enum CRILabels {
    static let podUID = "io.kubernetes.pod.uid"
    static let podName = "io.kubernetes.pod.name"
    static let podNamespace = "io.kubernetes.pod.namespace"
    static let containerName = "io.kubernetes.container.name"
    /// Marks everything this kubelet made, so a shared runtime's other tenants are left alone.
    static let managedBy = "io.skiff.managed-by"
    static let managedByValue = "skiff-kubelet"
    /// Annotation: the pod's termination grace period, so a kubelet that lost the pod can still honour it.
    static let gracePeriod = "io.kubernetes.pod.terminationGracePeriod"
    /// Annotation on containers: which spec (init or app) the container comes from.
    static let containerKind = "io.skiff.container.kind"
}
