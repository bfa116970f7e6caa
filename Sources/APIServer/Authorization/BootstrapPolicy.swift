import APIMachinery

/// Upstream's bootstrap RBAC policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`, Kubernetes 1.32),
/// written out by hand from it: the cluster roles and bindings every API server keeps reconciled at start,
/// labelled `kubernetes.io/bootstrapping: rbac-defaults` and annotated `autoupdate: "true"`.
///
/// Rules are written `rule("verbs", "groups", "resources")` with space-separated lists and `core` for the
/// legacy group "", so each line reads like a row of upstream's `NewRule(...).Groups(...).Resources(...)`.
public enum BootstrapPolicy {
    static let read = "get list watch"
    static let readWrite = "get list watch create update patch delete deletecollection"
    static let write = "create delete deletecollection patch update"

    static func rule(_ verbs: String, _ groups: String, _ resources: String, names: String = "") -> PolicyRule {
        func split(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
        return PolicyRule(verbs: split(verbs), apiGroups: split(groups).map { $0 == "core" ? "" : $0 },
                          resources: split(resources), resourceNames: split(names))
    }

    static func urls(_ verbs: String, _ urls: String) -> PolicyRule {
        PolicyRule(verbs: verbs.split(separator: " ").map(String.init), nonResourceURLs: urls.split(separator: " ").map(String.init))
    }

    /// `eventsRule()`: what every component needs to record events.
    static let events = rule("create update patch", "core events.k8s.io", "events")

    public struct Role: Sendable {
        public var name: String
        public var rules: [PolicyRule]
        public var labels: [String: String] = [:]
        /// `aggregationRule.clusterRoleSelectors[*].matchLabels`.
        public var aggregateFrom: [[String: String]] = []
    }

    public struct Binding: Sendable {
        public var name: String
        public var role: String
        /// (kind, name, namespace) — kind User, Group or ServiceAccount.
        public var subjects: [(kind: String, name: String, namespace: String)]
        public var roleKind = "ClusterRole"
    }

    static func users(_ names: String...) -> [(kind: String, name: String, namespace: String)] { names.map { (kind: "User", name: $0, namespace: "") } }
    static func groups(_ names: String...) -> [(kind: String, name: String, namespace: String)] { names.map { (kind: "Group", name: $0, namespace: "") } }
    static func serviceAccount(_ namespace: String, _ name: String) -> (kind: String, name: String, namespace: String) { (kind: "ServiceAccount", name: name, namespace: namespace) }

    static let aggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
    static let aggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit"
    static let aggregateToView = "rbac.authorization.k8s.io/aggregate-to-view"

    /// The `system:node` role's rules, which the Node authorizer applies to kubelets for everything it does
    /// not check by relationship.
    public static let nodeRules: [PolicyRule] = [
        rule("create", "authentication.k8s.io", "tokenreviews"),
        rule("create", "authorization.k8s.io", "localsubjectaccessreviews subjectaccessreviews"),
        rule(read, "core", "services"),
        rule("create get list watch", "core", "nodes"),
        rule("patch update", "core", "nodes/status"),
        rule("patch update", "core", "nodes"),
        rule("create patch update", "core", "events"),
        rule(read, "core", "pods"),
        rule("create delete", "core", "pods"),
        rule("patch update", "core", "pods/status"),
        rule("create", "core", "pods/eviction"),
        rule(read, "core", "configmaps secrets"),
        rule("get", "core", "persistentvolumeclaims persistentvolumes"),
        rule("get", "core", "endpoints"),
        rule("create get list watch", "certificates.k8s.io", "certificatesigningrequests"),
        rule("create delete get patch update", "coordination.k8s.io", "leases"),
        rule("get", "storage.k8s.io", "volumeattachments"),
        rule("create", "core", "serviceaccounts/token"),
        rule("get patch update", "core", "persistentvolumeclaims/status"),
        rule(read, "storage.k8s.io", "csidrivers"),
        rule("create delete get patch update", "storage.k8s.io", "csinodes"),
        rule(read, "node.k8s.io", "runtimeclasses"),
    ]

    public static let clusterRoles: [Role] = [
        Role(name: "cluster-admin", rules: [rule("*", "*", "*"), urls("*", "*")]),
        Role(name: "admin", rules: [], aggregateFrom: [[aggregateToAdmin: "true"]]),
        Role(name: "edit", rules: [], labels: [aggregateToAdmin: "true"], aggregateFrom: [[aggregateToEdit: "true"]]),
        Role(name: "view", rules: [], labels: [aggregateToEdit: "true"], aggregateFrom: [[aggregateToView: "true"]]),
        Role(name: "system:aggregate-to-admin", rules: [
            rule("create", "authorization.k8s.io", "localsubjectaccessreviews"),
            rule(readWrite, "rbac.authorization.k8s.io", "rolebindings roles"),
        ], labels: [aggregateToAdmin: "true"]),
        Role(name: "system:aggregate-to-edit", rules: [
            rule(read, "core", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy"),
            rule("impersonate", "core", "serviceaccounts"),
            rule(write, "core", "pods pods/attach pods/exec pods/portforward pods/proxy"),
            rule("create", "core", "pods/eviction"),
            rule(write, "core", "configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy"),
            rule("create", "core", "serviceaccounts/token"),
            rule(write, "apps", "daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale"),
            rule(write, "autoscaling", "horizontalpodautoscalers"),
            rule(write, "batch", "cronjobs jobs"),
            rule(write, "extensions", "daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale"),
            rule(write, "policy", "poddisruptionbudgets"),
            rule(write, "networking.k8s.io", "ingresses networkpolicies"),
            rule("create delete deletecollection get list patch update watch", "coordination.k8s.io", "leases"),
        ], labels: [aggregateToEdit: "true"]),
        Role(name: "system:aggregate-to-view", rules: [
            rule(read, "core", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status"),
            rule(read, "core", "bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status"),
            rule(read, "core", "namespaces"),
            rule(read, "discovery.k8s.io", "endpointslices"),
            rule(read, "apps", "controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status"),
            rule(read, "autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status"),
            rule(read, "batch", "cronjobs cronjobs/status jobs jobs/status"),
            rule(read, "extensions", "daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale"),
            rule(read, "policy", "poddisruptionbudgets poddisruptionbudgets/status"),
            rule(read, "networking.k8s.io", "ingresses ingresses/status networkpolicies"),
        ], labels: [aggregateToView: "true"]),
        Role(name: "system:auth-delegator", rules: [
            rule("create", "authentication.k8s.io", "tokenreviews"),
            rule("create", "authorization.k8s.io", "subjectaccessreviews"),
        ]),
        Role(name: "system:basic-user", rules: [
            rule("create", "authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews"),
            rule("create", "authentication.k8s.io", "selfsubjectreviews"),
        ]),
        Role(name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient", rules: [
            rule("create", "certificates.k8s.io", "certificatesigningrequests/nodeclient"),
        ]),
        Role(name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", rules: [
            rule("create", "certificates.k8s.io", "certificatesigningrequests/selfnodeclient"),
        ]),
        Role(name: "system:certificates.k8s.io:kube-apiserver-client-approver", rules: [
            rule("approve", "certificates.k8s.io", "signers", names: "kubernetes.io/kube-apiserver-client"),
        ]),
        Role(name: "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", rules: [
            rule("approve", "certificates.k8s.io", "signers", names: "kubernetes.io/kube-apiserver-client-kubelet"),
        ]),
        Role(name: "system:certificates.k8s.io:kubelet-serving-approver", rules: [
            rule("approve", "certificates.k8s.io", "signers", names: "kubernetes.io/kubelet-serving"),
        ]),
        Role(name: "system:certificates.k8s.io:legacy-unknown-approver", rules: [
            rule("approve", "certificates.k8s.io", "signers", names: "kubernetes.io/legacy-unknown"),
        ]),
        Role(name: "system:discovery", rules: [
            urls("get", "/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/"),
        ]),
        Role(name: "system:heapster", rules: [
            rule(read, "core", "events namespaces nodes pods"),
            rule(read, "extensions", "deployments"),
        ]),
        Role(name: "system:kube-aggregator", rules: [rule(read, "core", "endpoints services")]),
        Role(name: "system:kube-controller-manager", rules: [
            events,
            rule("create", "coordination.k8s.io", "leases"),
            rule("get update", "coordination.k8s.io", "leases", names: "kube-controller-manager"),
            rule("create", "core", "secrets serviceaccounts"),
            rule("delete", "core", "secrets"),
            rule("get", "core", "configmaps namespaces secrets serviceaccounts"),
            rule("update", "core", "secrets serviceaccounts"),
            rule("create", "authentication.k8s.io", "tokenreviews"),
            rule("create", "authorization.k8s.io", "subjectaccessreviews"),
            rule("list watch", "*", "*"),
            rule("create", "core", "serviceaccounts/token"),
        ]),
        Role(name: "system:kube-dns", rules: [rule("list watch", "core", "endpoints services")]),
        Role(name: "system:kube-scheduler", rules: [
            events,
            rule("create", "coordination.k8s.io", "leases"),
            rule("get update", "coordination.k8s.io", "leases", names: "kube-scheduler"),
            rule(read, "core", "nodes"),
            rule("delete get list watch", "core", "pods"),
            rule("create", "core", "bindings pods/binding"),
            rule("patch update", "core", "pods/status"),
            rule(read, "core", "replicationcontrollers services"),
            rule(read, "apps extensions", "replicasets"),
            rule(read, "apps", "statefulsets"),
            rule(read, "policy", "poddisruptionbudgets"),
            rule(read, "core", "persistentvolumeclaims persistentvolumes"),
            rule("create", "authentication.k8s.io", "tokenreviews"),
            rule("create", "authorization.k8s.io", "subjectaccessreviews"),
            rule(read, "storage.k8s.io", "csinodes"),
            rule(read, "core", "namespaces"),
            rule(read, "storage.k8s.io", "csidrivers"),
            rule(read, "storage.k8s.io", "csistoragecapacities"),
        ]),
        Role(name: "system:kubelet-api-admin", rules: [
            rule(read, "core", "nodes"),
            rule("proxy", "core", "nodes"),
            rule("*", "core", "nodes/log nodes/metrics nodes/proxy nodes/stats"),
        ]),
        Role(name: "system:monitoring", rules: [
            urls("get", "/healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*"),
        ]),
        Role(name: "system:node", rules: nodeRules),
        Role(name: "system:node-bootstrapper", rules: [
            rule("create get list watch", "certificates.k8s.io", "certificatesigningrequests"),
        ]),
        Role(name: "system:node-problem-detector", rules: [
            rule("get", "core", "nodes"),
            rule("patch", "core", "nodes/status"),
            events,
        ]),
        Role(name: "system:node-proxier", rules: [
            rule("list watch", "core", "endpoints services"),
            rule(read, "core", "nodes"),
            events,
            rule("list watch", "discovery.k8s.io", "endpointslices"),
        ]),
        Role(name: "system:persistent-volume-provisioner", rules: [
            rule("create delete get list watch", "core", "persistentvolumes"),
            rule("get list update watch", "core", "persistentvolumeclaims"),
            rule(read, "storage.k8s.io", "storageclasses"),
            rule("watch", "core", "events"),
            events,
        ]),
        Role(name: "system:public-info-viewer", rules: [
            urls("get", "/healthz /livez /readyz /version /version/"),
        ]),
        Role(name: "system:service-account-issuer-discovery", rules: [
            urls("get", "/.well-known/openid-configuration /openid/v1/jwks"),
        ]),
        Role(name: "system:volume-scheduler", rules: [
            rule("get list patch update watch", "core", "persistentvolumes"),
            rule(read, "storage.k8s.io", "storageclasses"),
            rule("get list patch update watch", "core", "persistentvolumeclaims"),
        ]),
        // kubeadm's CoreDNS role (kind installs it with CoreDNS); Skiff's DNS runs as that service account.
        Role(name: "system:coredns", rules: [
            rule("list watch", "core", "endpoints services pods namespaces"),
            rule("list watch", "discovery.k8s.io", "endpointslices"),
        ]),
    ]

    public static let clusterRoleBindings: [Binding] = [
        Binding(name: "cluster-admin", role: "cluster-admin", subjects: groups("system:masters")),
        Binding(name: "system:basic-user", role: "system:basic-user", subjects: groups("system:authenticated")),
        Binding(name: "system:discovery", role: "system:discovery", subjects: groups("system:authenticated")),
        Binding(name: "system:kube-controller-manager", role: "system:kube-controller-manager", subjects: users("system:kube-controller-manager")),
        Binding(name: "system:kube-dns", role: "system:kube-dns", subjects: [serviceAccount("kube-system", "kube-dns")]),
        Binding(name: "system:kube-scheduler", role: "system:kube-scheduler", subjects: users("system:kube-scheduler")),
        Binding(name: "system:monitoring", role: "system:monitoring", subjects: groups("system:monitoring")),
        Binding(name: "system:node", role: "system:node", subjects: []),
        Binding(name: "system:node-proxier", role: "system:node-proxier", subjects: users("system:kube-proxy")),
        Binding(name: "system:public-info-viewer", role: "system:public-info-viewer", subjects: groups("system:authenticated", "system:unauthenticated")),
        Binding(name: "system:service-account-issuer-discovery", role: "system:service-account-issuer-discovery", subjects: groups("system:serviceaccounts")),
        Binding(name: "system:volume-scheduler", role: "system:volume-scheduler", subjects: users("system:kube-scheduler")),
        // kubeadm's bindings, as kind has them: the admin kubeconfig's group, and CoreDNS.
        Binding(name: "kubeadm:cluster-admins", role: "cluster-admin", subjects: groups("kubeadm:cluster-admins")),
        Binding(name: "system:coredns", role: "system:coredns", subjects: [serviceAccount("kube-system", "coredns")]),
    ]

    /// Roles and bindings upstream keeps in namespaces: (namespace, roles, bindings).
    public static let namespaced: [(namespace: String, roles: [Role], bindings: [Binding])] = [
        ("kube-system", [
            Role(name: "extension-apiserver-authentication-reader", rules: [
                rule(read, "core", "configmaps", names: "extension-apiserver-authentication"),
            ]),
            Role(name: "system::leader-locking-kube-controller-manager", rules: [
                rule("watch", "core", "configmaps"),
                rule("get update", "core", "configmaps", names: "kube-controller-manager"),
            ]),
            Role(name: "system::leader-locking-kube-scheduler", rules: [
                rule("watch", "core", "configmaps"),
                rule("get update", "core", "configmaps", names: "kube-scheduler"),
            ]),
            Role(name: "system:controller:bootstrap-signer", rules: [rule(read, "core", "secrets")]),
            Role(name: "system:controller:cloud-provider", rules: [rule("create get list watch", "core", "configmaps")]),
            Role(name: "system:controller:token-cleaner", rules: [rule("delete get list watch", "core", "secrets"), events]),
        ], [
            Binding(name: "system::extension-apiserver-authentication-reader", role: "extension-apiserver-authentication-reader",
                    subjects: users("system:kube-controller-manager", "system:kube-scheduler"), roleKind: "Role"),
            Binding(name: "system::leader-locking-kube-controller-manager", role: "system::leader-locking-kube-controller-manager",
                    subjects: users("system:kube-controller-manager") + [serviceAccount("kube-system", "kube-controller-manager")], roleKind: "Role"),
            Binding(name: "system::leader-locking-kube-scheduler", role: "system::leader-locking-kube-scheduler",
                    subjects: users("system:kube-scheduler") + [serviceAccount("kube-system", "kube-scheduler")], roleKind: "Role"),
            Binding(name: "system:controller:bootstrap-signer", role: "system:controller:bootstrap-signer",
                    subjects: [serviceAccount("kube-system", "bootstrap-signer")], roleKind: "Role"),
            Binding(name: "system:controller:cloud-provider", role: "system:controller:cloud-provider",
                    subjects: [serviceAccount("kube-system", "cloud-provider")], roleKind: "Role"),
            Binding(name: "system:controller:token-cleaner", role: "system:controller:token-cleaner",
                    subjects: [serviceAccount("kube-system", "token-cleaner")], roleKind: "Role"),
        ]),
        ("kube-public", [
            Role(name: "system:controller:bootstrap-signer", rules: [
                rule(read, "core", "configmaps"),
                rule("update", "core", "configmaps", names: "cluster-info"),
                events,
            ]),
        ], [
            Binding(name: "system:controller:bootstrap-signer", role: "system:controller:bootstrap-signer",
                    subjects: [serviceAccount("kube-system", "bootstrap-signer")], roleKind: "Role"),
        ]),
    ]
}
