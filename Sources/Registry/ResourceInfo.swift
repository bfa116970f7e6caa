import APIMachinery

/// What the API knows of one served resource: its names, scope, verbs and subresources.
///
/// This is the single catalog behind discovery, OpenAPI, URL routing and storage keys.
public struct ResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    /// Plural, lower-case resource name as it appears in URLs ("pods").
    public var resource: String
    public var kind: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Subresources and the kind each one answers with.
    public var subresources: [Subresource]

    public struct Subresource: Sendable, Hashable {
        public var name: String
        public var group: String
        public var version: String
        public var kind: String
        public var verbs: [String]
        public init(name: String, group: String = "", version: String = "v1", kind: String, verbs: [String]) {
            self.name = name
            self.group = group
            self.version = version
            self.kind = kind
            self.verbs = verbs
        }
    }

    public init(
        group: String, version: String, resource: String, kind: String, namespaced: Bool,
        shortNames: [String] = [], categories: [String] = [],
        verbs: [String] = ResourceInfo.allVerbs, subresources: [Subresource] = []
    ) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.subresources = subresources
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// "v1" for core, "apps/v1" otherwise: the `apiVersion` of objects of this kind.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// "pods" for core, "deployments.apps" otherwise: how errors name the resource.
    public var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
    /// The URL prefix of the group-version: "/api/v1" or "/apis/apps/v1".
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }
    public var listKind: String { kind + "List" }

    public func hasSubresource(_ name: String) -> Bool { subresources.contains { $0.name == name } }
}

/// Every resource Skiff serves, in the order discovery lists them.
public enum Catalog {
    static let statusVerbs = ["get", "patch", "update"]

    static let createOnly = ["create"]

    /// In upstream's discovery order: groups by priority, resources by name within a group-version.
    public static let resources: [ResourceInfo] = [
        // core/v1
        ResourceInfo(group: "", version: "v1", resource: "bindings", kind: "Binding", namespaced: true, verbs: ["create"]),
        ResourceInfo(group: "", version: "v1", resource: "componentstatuses", kind: "ComponentStatus", namespaced: false,
                     shortNames: ["cs"], verbs: ["get", "list"]),
        ResourceInfo(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"]),
        ResourceInfo(group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"]),
        ResourceInfo(group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"]),
        ResourceInfo(group: "", version: "v1", resource: "limitranges", kind: "LimitRange", namespaced: true, shortNames: ["limits"]),
        ResourceInfo(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"],
                     verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
                     subresources: [.init(name: "status", kind: "Namespace", verbs: statusVerbs),
                                    .init(name: "finalize", kind: "Namespace", verbs: ["update"])]),
        ResourceInfo(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"],
                     subresources: [.init(name: "status", kind: "Node", verbs: statusVerbs),
                                    .init(name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"])]),
        ResourceInfo(group: "", version: "v1", resource: "persistentvolumeclaims", kind: "PersistentVolumeClaim", namespaced: true,
                     shortNames: ["pvc"], subresources: [.init(name: "status", kind: "PersistentVolumeClaim", verbs: statusVerbs)]),
        ResourceInfo(group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume", namespaced: false,
                     shortNames: ["pv"], subresources: [.init(name: "status", kind: "PersistentVolume", verbs: statusVerbs)]),
        ResourceInfo(group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"],
                     categories: ["all"],
                     subresources: [
                        .init(name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"]),
                        .init(name: "binding", kind: "Binding", verbs: ["create"]),
                        .init(name: "eviction", group: "policy", version: "v1", kind: "Eviction", verbs: ["create"]),
                        .init(name: "exec", kind: "PodExecOptions", verbs: ["create", "get"]),
                        .init(name: "log", kind: "Pod", verbs: ["get"]),
                        .init(name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"]),
                        .init(name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"]),
                        .init(name: "status", kind: "Pod", verbs: statusVerbs),
                     ]),
        ResourceInfo(group: "", version: "v1", resource: "podtemplates", kind: "PodTemplate", namespaced: true),
        ResourceInfo(group: "", version: "v1", resource: "replicationcontrollers", kind: "ReplicationController", namespaced: true,
                     shortNames: ["rc"], categories: ["all"],
                     subresources: [.init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs),
                                    .init(name: "status", kind: "ReplicationController", verbs: statusVerbs)]),
        ResourceInfo(group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota", namespaced: true,
                     shortNames: ["quota"], subresources: [.init(name: "status", kind: "ResourceQuota", verbs: statusVerbs)]),
        ResourceInfo(group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true),
        ResourceInfo(group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true,
                     shortNames: ["sa"],
                     subresources: [.init(name: "token", group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"])]),
        ResourceInfo(group: "", version: "v1", resource: "services", kind: "Service", namespaced: true, shortNames: ["svc"],
                     categories: ["all"],
                     subresources: [.init(name: "proxy", kind: "ServiceProxyOptions", verbs: ["create", "delete", "get", "patch", "update"]),
                                    .init(name: "status", kind: "Service", verbs: statusVerbs)]),
        // apiregistration.k8s.io/v1
        ResourceInfo(group: "apiregistration.k8s.io", version: "v1", resource: "apiservices", kind: "APIService", namespaced: false,
                     categories: ["api-extensions"],
                     subresources: [.init(name: "status", group: "apiregistration.k8s.io", kind: "APIService", verbs: statusVerbs)]),
        // apps/v1
        ResourceInfo(group: "apps", version: "v1", resource: "controllerrevisions", kind: "ControllerRevision", namespaced: true),
        ResourceInfo(group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet", namespaced: true,
                     shortNames: ["ds"], categories: ["all"],
                     subresources: [.init(name: "status", group: "apps", kind: "DaemonSet", verbs: statusVerbs)]),
        ResourceInfo(group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true,
                     shortNames: ["deploy"], categories: ["all"],
                     subresources: [.init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs),
                                    .init(name: "status", group: "apps", kind: "Deployment", verbs: statusVerbs)]),
        ResourceInfo(group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true,
                     shortNames: ["rs"], categories: ["all"],
                     subresources: [.init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs),
                                    .init(name: "status", group: "apps", kind: "ReplicaSet", verbs: statusVerbs)]),
        ResourceInfo(group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet", namespaced: true,
                     shortNames: ["sts"], categories: ["all"],
                     subresources: [.init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs),
                                    .init(name: "status", group: "apps", kind: "StatefulSet", verbs: statusVerbs)]),
        // events.k8s.io/v1 (stored with the core events)
        ResourceInfo(group: "events.k8s.io", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"]),
        // authentication.k8s.io/v1
        ResourceInfo(group: "authentication.k8s.io", version: "v1", resource: "selfsubjectreviews", kind: "SelfSubjectReview",
                     namespaced: false, verbs: createOnly),
        ResourceInfo(group: "authentication.k8s.io", version: "v1", resource: "tokenreviews", kind: "TokenReview",
                     namespaced: false, verbs: createOnly),
        // authorization.k8s.io/v1
        ResourceInfo(group: "authorization.k8s.io", version: "v1", resource: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview",
                     namespaced: true, verbs: createOnly),
        ResourceInfo(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview",
                     namespaced: false, verbs: createOnly),
        ResourceInfo(group: "authorization.k8s.io", version: "v1", resource: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview",
                     namespaced: false, verbs: createOnly),
        ResourceInfo(group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews", kind: "SubjectAccessReview",
                     namespaced: false, verbs: createOnly),
        // autoscaling/v2 (preferred, the storage version) and v1
        ResourceInfo(group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler",
                     namespaced: true, shortNames: ["hpa"], categories: ["all"],
                     subresources: [.init(name: "status", group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", verbs: statusVerbs)]),
        ResourceInfo(group: "autoscaling", version: "v1", resource: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler",
                     namespaced: true, shortNames: ["hpa"], categories: ["all"],
                     subresources: [.init(name: "status", group: "autoscaling", kind: "HorizontalPodAutoscaler", verbs: statusVerbs)]),
        // batch/v1
        ResourceInfo(group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob", namespaced: true,
                     shortNames: ["cj"], categories: ["all"],
                     subresources: [.init(name: "status", group: "batch", kind: "CronJob", verbs: statusVerbs)]),
        ResourceInfo(group: "batch", version: "v1", resource: "jobs", kind: "Job", namespaced: true, categories: ["all"],
                     subresources: [.init(name: "status", group: "batch", kind: "Job", verbs: statusVerbs)]),
        // certificates.k8s.io/v1
        ResourceInfo(group: "certificates.k8s.io", version: "v1", resource: "certificatesigningrequests", kind: "CertificateSigningRequest",
                     namespaced: false, shortNames: ["csr"],
                     subresources: [.init(name: "approval", group: "certificates.k8s.io", kind: "CertificateSigningRequest", verbs: statusVerbs),
                                    .init(name: "status", group: "certificates.k8s.io", kind: "CertificateSigningRequest", verbs: statusVerbs)]),
        // networking.k8s.io/v1
        ResourceInfo(group: "networking.k8s.io", version: "v1", resource: "ingressclasses", kind: "IngressClass", namespaced: false),
        ResourceInfo(group: "networking.k8s.io", version: "v1", resource: "ingresses", kind: "Ingress", namespaced: true,
                     shortNames: ["ing"],
                     subresources: [.init(name: "status", group: "networking.k8s.io", kind: "Ingress", verbs: statusVerbs)]),
        ResourceInfo(group: "networking.k8s.io", version: "v1", resource: "networkpolicies", kind: "NetworkPolicy", namespaced: true,
                     shortNames: ["netpol"]),
        // policy/v1
        ResourceInfo(group: "policy", version: "v1", resource: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true,
                     shortNames: ["pdb"],
                     subresources: [.init(name: "status", group: "policy", kind: "PodDisruptionBudget", verbs: statusVerbs)]),
        // rbac.authorization.k8s.io/v1
        ResourceInfo(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", kind: "ClusterRoleBinding", namespaced: false),
        ResourceInfo(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", kind: "ClusterRole", namespaced: false),
        ResourceInfo(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", kind: "RoleBinding", namespaced: true),
        ResourceInfo(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role", namespaced: true),
        // storage.k8s.io/v1
        ResourceInfo(group: "storage.k8s.io", version: "v1", resource: "csidrivers", kind: "CSIDriver", namespaced: false),
        ResourceInfo(group: "storage.k8s.io", version: "v1", resource: "csinodes", kind: "CSINode", namespaced: false),
        ResourceInfo(group: "storage.k8s.io", version: "v1", resource: "csistoragecapacities", kind: "CSIStorageCapacity", namespaced: true),
        ResourceInfo(group: "storage.k8s.io", version: "v1", resource: "storageclasses", kind: "StorageClass", namespaced: false,
                     shortNames: ["sc"]),
        ResourceInfo(group: "storage.k8s.io", version: "v1", resource: "volumeattachments", kind: "VolumeAttachment", namespaced: false,
                     subresources: [.init(name: "status", group: "storage.k8s.io", kind: "VolumeAttachment", verbs: statusVerbs)]),
        // admissionregistration.k8s.io/v1
        ResourceInfo(group: "admissionregistration.k8s.io", version: "v1", resource: "mutatingwebhookconfigurations",
                     kind: "MutatingWebhookConfiguration", namespaced: false, categories: ["api-extensions"]),
        ResourceInfo(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingadmissionpolicies",
                     kind: "ValidatingAdmissionPolicy", namespaced: false, categories: ["api-extensions"],
                     subresources: [.init(name: "status", group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicy", verbs: statusVerbs)]),
        ResourceInfo(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingadmissionpolicybindings",
                     kind: "ValidatingAdmissionPolicyBinding", namespaced: false, categories: ["api-extensions"]),
        ResourceInfo(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations",
                     kind: "ValidatingWebhookConfiguration", namespaced: false, categories: ["api-extensions"]),
        // apiextensions.k8s.io/v1 (the CRD objects only; custom resources are not served yet)
        ResourceInfo(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", kind: "CustomResourceDefinition",
                     namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"],
                     subresources: [.init(name: "status", group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", verbs: statusVerbs)]),
        // scheduling.k8s.io/v1
        ResourceInfo(group: "scheduling.k8s.io", version: "v1", resource: "priorityclasses", kind: "PriorityClass", namespaced: false,
                     shortNames: ["pc"]),
        // coordination.k8s.io/v1
        ResourceInfo(group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true),
        // node.k8s.io/v1
        ResourceInfo(group: "node.k8s.io", version: "v1", resource: "runtimeclasses", kind: "RuntimeClass", namespaced: false),
        // discovery.k8s.io/v1
        ResourceInfo(group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice", namespaced: true),
        // flowcontrol.apiserver.k8s.io/v1
        ResourceInfo(group: "flowcontrol.apiserver.k8s.io", version: "v1", resource: "flowschemas", kind: "FlowSchema", namespaced: false,
                     subresources: [.init(name: "status", group: "flowcontrol.apiserver.k8s.io", kind: "FlowSchema", verbs: statusVerbs)]),
        ResourceInfo(group: "flowcontrol.apiserver.k8s.io", version: "v1", resource: "prioritylevelconfigurations",
                     kind: "PriorityLevelConfiguration", namespaced: false,
                     subresources: [.init(name: "status", group: "flowcontrol.apiserver.k8s.io", kind: "PriorityLevelConfiguration", verbs: statusVerbs)]),
    ]

    /// Served API groups with their versions, preferred first, in discovery order ("" is core).
    public static var groups: [(name: String, versions: [String])] {
        var out: [(String, [String])] = []
        for r in resources {
            if let i = out.firstIndex(where: { $0.0 == r.group }) {
                if !out[i].1.contains(r.version) { out[i].1.append(r.version) }
            } else {
                out.append((r.group, [r.version]))
            }
        }
        return out
    }

    /// Finds a resource by group, version and plural name.
    public static func lookup(group: String, version: String, resource: String) -> ResourceInfo? {
        index[Key(group: group, version: version, resource: resource)]
    }

    public static func lookup(group: String, version: String, kind: String) -> ResourceInfo? {
        resources.first { $0.group == group && $0.version == version && $0.kind == kind }
    }

    private struct Key: Hashable { var group, version, resource: String }
    private static let index: [Key: ResourceInfo] = Dictionary(
        resources.map { (Key(group: $0.group, version: $0.version, resource: $0.resource), $0) },
        uniquingKeysWith: { a, _ in a })
}
