/// Upstream's `system:controller:<name>` roles (`controller_policy.go`, Kubernetes 1.32, feature-gated
/// roles left out except `taint-eviction-controller`, whose gate is on by default in 1.32 and whose
/// controller Skiff runs), each bound to the service account `kube-system/<name>` as upstream binds them.
///
/// Skiff's controller manager, as upstream's with `--use-service-account-credentials` (on in clusters
/// `skiff create cluster` makes), runs each controller as that service account, so each holds its own
/// role and nothing more; the manager's own identity `system:kube-controller-manager` holds only upstream's
/// `system:kube-controller-manager` role. A new controller needs its upstream role here and its service
/// account name in `ControllerManager` (docs/authorization.md).
extension BootstrapPolicy {
    static func controller(_ name: String, _ rules: [PolicyRule]) -> Role {
        Role(name: "system:controller:" + name, rules: rules)
    }

    public static let controllerRoles: [Role] = [
        controller("attachdetach-controller", [
            rule("list watch", "core", "persistentvolumes persistentvolumeclaims"),
            rule(read, "core", "nodes"),
            rule("patch update", "core", "nodes/status"),
            rule("list watch", "core", "pods"),
            events,
            rule("get create delete list watch", "storage.k8s.io", "volumeattachments"),
            rule("get watch list", "storage.k8s.io", "csidrivers"),
            rule("get watch list", "storage.k8s.io", "csinodes"),
        ]),
        controller("clusterrole-aggregation-controller", [
            rule("escalate get list watch update patch", "rbac.authorization.k8s.io", "clusterroles"),
        ]),
        controller("cronjob-controller", [
            rule("get list watch update", "batch", "cronjobs"),
            rule("get list watch create update delete patch", "batch", "jobs"),
            rule("update", "batch", "cronjobs/status"),
            rule("update", "batch", "cronjobs/finalizers"),
            rule("list watch delete", "core", "pods"),
            events,
        ]),
        controller("daemon-set-controller", [
            rule(read, "extensions apps", "daemonsets"),
            rule("update", "extensions apps", "daemonsets/status"),
            rule("update", "extensions apps", "daemonsets/finalizers"),
            rule("list watch", "core", "nodes"),
            rule("list watch create delete patch", "core", "pods"),
            rule("create", "core", "pods/binding"),
            rule("get list watch create delete update patch", "apps", "controllerrevisions"),
            events,
        ]),
        controller("deployment-controller", [
            rule("get list watch update", "extensions apps", "deployments"),
            rule("update", "extensions apps", "deployments/status"),
            rule("update", "extensions apps", "deployments/finalizers"),
            rule("get list watch create update patch delete", "apps extensions", "replicasets"),
            rule("get list watch update", "core", "pods"),
            events,
        ]),
        controller("disruption-controller", [
            rule(read, "extensions apps", "deployments"),
            rule(read, "apps extensions", "replicasets"),
            rule(read, "core", "replicationcontrollers"),
            rule(read, "policy", "poddisruptionbudgets"),
            rule(read, "apps", "statefulsets"),
            rule("update", "policy", "poddisruptionbudgets/status"),
            rule("patch update", "core", "pods/status"),
            rule("get", "*", "*/scale"),
            events,
        ]),
        controller("endpoint-controller", [
            rule(read, "core", "services pods"),
            rule("get list watch create update delete", "core", "endpoints"),
            rule("create", "core", "endpoints/restricted"),
            events,
        ]),
        controller("endpointslice-controller", [
            rule(read, "core", "services pods nodes"),
            rule("update", "core", "services/finalizers"),
            rule("get list watch create update delete", "discovery.k8s.io", "endpointslices"),
            events,
        ]),
        controller("endpointslicemirroring-controller", [
            rule(read, "core", "services endpoints"),
            rule("update", "core", "services/finalizers"),
            rule("update", "core", "endpoints/finalizers"),
            rule("get list watch create update delete", "discovery.k8s.io", "endpointslices"),
            events,
        ]),
        controller("expand-controller", [
            rule("get list watch update patch", "core", "persistentvolumes"),
            rule("update patch", "core", "persistentvolumeclaims/status"),
            rule(read, "core", "persistentvolumeclaims"),
            events,
            rule("get", "core", "services"),
        ]),
        controller("ephemeral-volume-controller", [
            rule(read, "core", "pods"),
            rule("update", "core", "pods/finalizers"),
            rule("get list watch create", "core", "persistentvolumeclaims"),
            events,
        ]),
        controller("generic-garbage-collector", [
            rule("get list watch patch update delete", "*", "*"),
            events,
        ]),
        controller("horizontal-pod-autoscaler", [
            rule(read, "autoscaling", "horizontalpodautoscalers"),
            rule("update", "autoscaling", "horizontalpodautoscalers/status"),
            rule("get update", "*", "*/scale"),
            rule("list watch", "core", "pods"),
            rule("list watch", "metrics.k8s.io", "pods"),
            rule(read, "custom.metrics.k8s.io", "*"),
            rule(read, "external.metrics.k8s.io", "*"),
            events,
        ]),
        controller("job-controller", [
            rule("get list watch update patch", "batch", "jobs"),
            rule("update", "batch", "jobs/status"),
            rule("update", "batch", "jobs/finalizers"),
            rule("list watch create delete patch", "core", "pods"),
            events,
        ]),
        controller("namespace-controller", [
            rule("get list watch delete", "core", "namespaces"),
            rule("update", "core", "namespaces/finalize namespaces/status"),
            rule("get list watch delete deletecollection", "*", "*"),
        ]),
        controller("node-controller", [
            rule("get list watch update delete patch", "core", "nodes"),
            rule("patch update", "core", "nodes/status"),
            rule("patch update", "core", "pods/status"),
            rule("list watch get delete", "core", "pods"),
            events,
        ]),
        controller("persistent-volume-binder", [
            rule("get list watch update create delete", "core", "persistentvolumes"),
            rule("update", "core", "persistentvolumes/status"),
            rule("get list watch update", "core", "persistentvolumeclaims"),
            rule("update", "core", "persistentvolumeclaims/status"),
            rule("list watch get create delete", "core", "pods"),
            rule(read, "storage.k8s.io", "storageclasses"),
            rule("list watch", "core", "nodes"),
            events,
            rule("watch", "core", "events"),
            rule("get", "core", "services"),
        ]),
        controller("pod-garbage-collector", [
            rule("list watch delete", "core", "pods"),
            rule(read, "core", "nodes"),
            rule("patch", "core", "pods/status"),
        ]),
        controller("replicaset-controller", [
            rule("get list watch update", "apps extensions", "replicasets"),
            rule("update", "apps extensions", "replicasets/status"),
            rule("update", "apps extensions", "replicasets/finalizers"),
            rule("list watch patch create delete", "core", "pods"),
            events,
        ]),
        controller("replication-controller", [
            rule("get list watch update", "core", "replicationcontrollers"),
            rule("update", "core", "replicationcontrollers/status"),
            rule("update", "core", "replicationcontrollers/finalizers"),
            rule("list watch patch create delete", "core", "pods"),
            events,
        ]),
        controller("resourcequota-controller", [
            rule("list watch", "*", "*"),
            rule("update", "core", "resourcequotas/status"),
            events,
        ]),
        controller("route-controller", [
            rule("list watch", "core", "nodes"),
            rule("patch", "core", "nodes/status"),
            events,
        ]),
        controller("service-account-controller", [
            rule("create", "core", "serviceaccounts"),
            events,
        ]),
        controller("service-controller", [
            rule(read, "core", "services"),
            rule("patch update", "core", "services/status"),
            rule("list watch", "core", "nodes"),
            events,
        ]),
        controller("statefulset-controller", [
            rule("list watch", "core", "pods"),
            rule(read, "apps", "statefulsets"),
            rule("update", "apps", "statefulsets/status"),
            rule("update", "apps", "statefulsets/finalizers"),
            rule("get create delete update patch", "core", "pods"),
            rule("get create delete update patch list watch", "apps", "controllerrevisions"),
            rule("get create list watch", "core", "persistentvolumeclaims"),
            rule("update delete", "core", "persistentvolumeclaims"),
            rule("update", "core", "pods/finalizers"),
            events,
        ]),
        controller("taint-eviction-controller", [
            rule("patch update", "core", "pods/status"),
            rule("list get delete", "core", "pods"),
            events,
        ]),
        controller("ttl-controller", [
            rule("update patch list watch", "core", "nodes"),
            events,
        ]),
        controller("certificate-controller", [
            rule("get list watch delete", "certificates.k8s.io", "certificatesigningrequests"),
            rule("update", "certificates.k8s.io", "certificatesigningrequests/status certificatesigningrequests/approval"),
            rule("approve", "certificates.k8s.io", "signers", names: "kubernetes.io/kube-apiserver-client-kubelet"),
            rule("sign", "certificates.k8s.io", "signers",
                 names: "kubernetes.io/legacy-unknown kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving"),
            rule("create", "authorization.k8s.io", "subjectaccessreviews"),
            events,
        ]),
        controller("pvc-protection-controller", [
            rule("get list watch update", "core", "persistentvolumeclaims"),
            rule("list watch get", "core", "pods"),
            events,
        ]),
        controller("pv-protection-controller", [
            rule("get list watch update", "core", "persistentvolumes"),
            events,
        ]),
        controller("ttl-after-finished-controller", [
            rule("get list watch delete", "batch", "jobs"),
            events,
        ]),
        controller("root-ca-cert-publisher", [
            rule("create update", "core", "configmaps"),
            events,
        ]),
        controller("validatingadmissionpolicy-status-controller", [
            rule(read, "admissionregistration.k8s.io", "validatingadmissionpolicies"),
            rule("get patch update", "admissionregistration.k8s.io", "validatingadmissionpolicies/status"),
            events,
        ]),
        controller("legacy-service-account-token-cleaner", [
            rule("get", "core", "configmaps", names: "kube-apiserver-legacy-service-account-token-tracking"),
            rule("patch delete", "core", "secrets"),
        ]),
    ]

    /// Upstream's binding of each controller role to its service account.
    public static var controllerRoleBindings: [Binding] {
        controllerRoles.map { role in
            Binding(name: role.name, role: role.name,
                    subjects: [serviceAccount("kube-system", String(role.name.dropFirst("system:controller:".count)))])
        }
    }

    /// The ClusterRoleBindings earlier Skiff versions gave the controller manager's identity (one per
    /// controller role, `skiff:controller-manager:<controller>`, all to the user `system:kube-controller-manager`):
    /// upstream has none. The bootstrap reconciler deletes the ones still labelled as bootstrap policy and not
    /// annotated `autoupdate: "false"`, so an upgraded cluster's manager identity loses the union too.
    public static let retiredBindingPrefix = "skiff:controller-manager:"

    /// The local-path provisioner runs inside Skiff's controller manager (kind runs rancher's as a pod in
    /// `local-path-storage` with the service account `local-path-provisioner-service-account`): rancher's
    /// `local-path-provisioner-role` ClusterRole, bound to that account's name in kube-system, the namespace
    /// of the controller manager's accounts. Rancher's namespaced Role for helper pods is left out: Skiff's
    /// provisioner makes and removes directories itself, with no helper pod.
    public static let localPathProvisioner: (role: Role, binding: Binding) = (
        Role(name: "local-path-provisioner-role", rules: [
            rule(read, "core", "nodes persistentvolumeclaims configmaps pods pods/log"),
            rule("get list watch create patch update delete", "core", "persistentvolumes"),
            rule("create patch", "core", "events"),
            rule(read, "storage.k8s.io", "storageclasses"),
        ]),
        Binding(name: "local-path-provisioner-bind", role: "local-path-provisioner-role",
                subjects: [serviceAccount("kube-system", "local-path-provisioner-service-account")]))
    /// The subject earlier versions bound `local-path-provisioner-bind` to (the manager's own identity); the
    /// bootstrap reconciler takes it out.
    public static let localPathProvisionerRetiredSubject = users("system:kube-controller-manager")[0]

    /// Skiff's DNS publishes the `kube-system/kube-dns` Endpoints and its EndpointSlice itself (it runs on
    /// the host, not in a pod a controller would find): a role for exactly that, bound to its identity.
    public static let dnsPublisher = endpointPublisher(role: "skiff:dns-endpoint-publisher", service: "kube-dns",
                                                       slice: "kube-dns-skiff", serviceAccount: "coredns")

    /// A kube-system Role that lets a component keep one selectorless Service's endpoints (the Endpoints of
    /// that name and one EndpointSlice) pointing at itself, and nothing else, bound to its service account.
    static func endpointPublisher(role: String, service: String, slice: String, serviceAccount: String) -> (role: Role, binding: Binding) {
        (Role(name: role, rules: [
            rule("create", "core", "endpoints"),
            rule("get update", "core", "endpoints", names: service),
            rule("create", "discovery.k8s.io", "endpointslices"),
            rule("get update", "discovery.k8s.io", "endpointslices", names: slice),
        ]),
         Binding(name: role, role: role, subjects: [BootstrapPolicy.serviceAccount("kube-system", serviceAccount)], roleKind: "Role"))
    }

    /// NetworkPolicy enforcement runs inside each node's kube-proxy (`skiff proxy --enforce-network-policy`,
    /// as kindnet enforces them next to its CNI): on top of `system:node-proxier` it reads what a policy
    /// selects. The rules are kindnet's for exactly that (its `kindnet` ClusterRole's pods, namespaces and
    /// networkpolicies list/watch), bound to the proxy's identity.
    public static let networkPolicyEnforcer: (role: Role, binding: Binding) = (
        Role(name: "skiff:network-policy-enforcer", rules: [
            rule("list watch", "core", "pods namespaces"),
            rule("list watch", "networking.k8s.io", "networkpolicies"),
        ]),
        Binding(name: "skiff:network-policy-enforcer", role: "skiff:network-policy-enforcer",
                subjects: users("system:kube-proxy")))

    /// The built-in Ingress controller (`skiff ingress`) reads what ingress-nginx's ClusterRole lets it read
    /// (Ingresses and IngressClasses, Services, EndpointSlices, Secrets for TLS) and writes Ingress status
    /// and Events, as the service account an ingress-nginx install runs as.
    public static let ingressController: (role: Role, binding: Binding) = (
        Role(name: "skiff:ingress-controller", rules: [
            rule("get list watch", "core", "services secrets"),
            rule("get list watch", "networking.k8s.io", "ingresses ingressclasses"),
            rule("update", "networking.k8s.io", "ingresses/status"),
            rule("list watch", "discovery.k8s.io", "endpointslices"),
            events,
        ]),
        Binding(name: "skiff:ingress-controller", role: "skiff:ingress-controller",
                subjects: [serviceAccount("kube-system", "skiff-ingress")]))

    /// Skiff's node simulator (`skiff node-simulator`) runs the kubelets of many simulated nodes under one
    /// identity, so it is what a kubelet is (`system:node`) for all of them at once, as kwok's controller is.
    /// The Node authorizer and NodeRestriction, which hold a kubelet to its own node's objects, know only
    /// `system:node:<name>` users and leave it alone.
    public static let nodeSimulatorBinding = Binding(name: "skiff:node-simulator", role: "system:node",
                                                     subjects: users("system:skiff:node-simulator"))

    /// It also points its own `kube-system/skiff-ingress` Service at itself, as the DNS does for kube-dns.
    public static let ingressPublisher = endpointPublisher(role: "skiff:ingress-endpoint-publisher", service: "skiff-ingress",
                                                           slice: "skiff-ingress-skiff", serviceAccount: "skiff-ingress")
}
