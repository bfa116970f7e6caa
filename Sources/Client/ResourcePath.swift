/// Where a kind lives in the API: `/api/v1/namespaces/{ns}/pods` or `/apis/apps/v1/namespaces/{ns}/deployments`.
public struct ResourcePath: Sendable, Hashable {
    public var group: String
    public var version: String
    public var resource: String
    public var namespace: String?

    public init(group: String = "", version: String = "v1", resource: String, namespace: String? = nil) {
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
    }

    public func inNamespace(_ ns: String?) -> ResourcePath {
        var p = self
        p.namespace = ns
        return p
    }

    /// The collection URL path.
    public var collection: String {
        let base = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if let namespace { return "\(base)/namespaces/\(namespace)/\(resource)" }
        return "\(base)/\(resource)"
    }

    public func item(_ name: String, subresource: String? = nil) -> String {
        var p = collection + "/" + name
        if let subresource { p += "/" + subresource }
        return p
    }

    public static let pods = ResourcePath(resource: "pods")
    public static let nodes = ResourcePath(resource: "nodes")
    public static let services = ResourcePath(resource: "services")
    public static let endpoints = ResourcePath(resource: "endpoints")
    public static let events = ResourcePath(resource: "events")
    public static let namespaces = ResourcePath(resource: "namespaces")
    public static let configmaps = ResourcePath(resource: "configmaps")
    public static let secrets = ResourcePath(resource: "secrets")
    public static let serviceaccounts = ResourcePath(resource: "serviceaccounts")
    public static let deployments = ResourcePath(group: "apps", resource: "deployments")
    public static let replicasets = ResourcePath(group: "apps", resource: "replicasets")
    public static let statefulsets = ResourcePath(group: "apps", resource: "statefulsets")
    public static let daemonsets = ResourcePath(group: "apps", resource: "daemonsets")
    public static let controllerrevisions = ResourcePath(group: "apps", resource: "controllerrevisions")
    public static let persistentvolumeclaims = ResourcePath(resource: "persistentvolumeclaims")
    public static let persistentvolumes = ResourcePath(resource: "persistentvolumes")
    public static let storageclasses = ResourcePath(group: "storage.k8s.io", resource: "storageclasses")
    public static let endpointslices = ResourcePath(group: "discovery.k8s.io", resource: "endpointslices")
    public static let ingresses = ResourcePath(group: "networking.k8s.io", resource: "ingresses")
    public static let ingressclasses = ResourcePath(group: "networking.k8s.io", resource: "ingressclasses")
    public static let leases = ResourcePath(group: "coordination.k8s.io", resource: "leases")
    public static let jobs = ResourcePath(group: "batch", resource: "jobs")
    public static let cronjobs = ResourcePath(group: "batch", resource: "cronjobs")
}
