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

    public static let resources: [ResourceInfo] = [
        ResourceInfo(
            group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"],
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
            subresources: [.init(name: "status", kind: "Namespace", verbs: statusVerbs),
                           .init(name: "finalize", kind: "Namespace", verbs: ["update"])]),
        ResourceInfo(
            group: "", version: "v1", resource: "pods", kind: "Pod", namespaced: true, shortNames: ["po"],
            categories: ["all"],
            subresources: [
                .init(name: "status", kind: "Pod", verbs: statusVerbs),
                .init(name: "binding", kind: "Binding", verbs: ["create"]),
                .init(name: "eviction", group: "policy", version: "v1", kind: "Eviction", verbs: ["create"]),
                .init(name: "log", kind: "Pod", verbs: ["get"]),
                .init(name: "exec", kind: "PodExecOptions", verbs: ["create", "get"]),
                .init(name: "attach", kind: "PodAttachOptions", verbs: ["create", "get"]),
                .init(name: "portforward", kind: "PodPortForwardOptions", verbs: ["create", "get"]),
                .init(name: "proxy", kind: "PodProxyOptions", verbs: ["create", "delete", "get", "patch", "update"]),
            ]),
        ResourceInfo(
            group: "", version: "v1", resource: "bindings", kind: "Binding", namespaced: true, verbs: ["create"]),
        ResourceInfo(
            group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false, shortNames: ["no"],
            subresources: [.init(name: "status", kind: "Node", verbs: statusVerbs),
                           .init(name: "proxy", kind: "NodeProxyOptions", verbs: ["create", "delete", "get", "patch", "update"])]),
        ResourceInfo(
            group: "", version: "v1", resource: "services", kind: "Service", namespaced: true, shortNames: ["svc"],
            categories: ["all"],
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            subresources: [.init(name: "status", kind: "Service", verbs: statusVerbs),
                           .init(name: "proxy", kind: "ServiceProxyOptions", verbs: ["create", "delete", "get", "patch", "update"])]),
        ResourceInfo(
            group: "", version: "v1", resource: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"]),
        ResourceInfo(
            group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"]),
        ResourceInfo(group: "", version: "v1", resource: "secrets", kind: "Secret", namespaced: true),
        ResourceInfo(
            group: "", version: "v1", resource: "events", kind: "Event", namespaced: true, shortNames: ["ev"]),
        ResourceInfo(
            group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount", namespaced: true,
            shortNames: ["sa"],
            subresources: [.init(name: "token", group: "authentication.k8s.io", version: "v1", kind: "TokenRequest", verbs: ["create"])]),
        ResourceInfo(
            group: "apps", version: "v1", resource: "deployments", kind: "Deployment", namespaced: true,
            shortNames: ["deploy"], categories: ["all"],
            subresources: [.init(name: "status", group: "apps", kind: "Deployment", verbs: statusVerbs),
                           .init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs)]),
        ResourceInfo(
            group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet", namespaced: true,
            shortNames: ["rs"], categories: ["all"],
            subresources: [.init(name: "status", group: "apps", kind: "ReplicaSet", verbs: statusVerbs),
                           .init(name: "scale", group: "autoscaling", kind: "Scale", verbs: statusVerbs)]),
        ResourceInfo(
            group: "discovery.k8s.io", version: "v1", resource: "endpointslices", kind: "EndpointSlice",
            namespaced: true),
        ResourceInfo(
            group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease", namespaced: true),
    ]

    /// Served API groups with their versions, preferred first, in discovery order ("" is core).
    public static var groups: [(name: String, versions: [String])] {
        var out: [(String, [String])] = []
        for r in resources where !out.contains(where: { $0.0 == r.group }) {
            out.append((r.group, [r.version]))
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
