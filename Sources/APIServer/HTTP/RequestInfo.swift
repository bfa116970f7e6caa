import Foundation

/// What a request addresses, parsed from its path as upstream's `RequestInfoFactory` does.
///
///     /api/v1/namespaces/default/pods/nginx/status
///     └prefix └version   └namespace   └resource └name └subresource
public struct RequestInfo: Sendable, Equatable {
    /// "api" or "apis" for resource requests.
    public var apiPrefix: String
    public var group: String
    public var version: String
    public var namespace: String?
    public var resource: String
    public var name: String?
    public var subresource: String?
    /// Path segments after the subresource (pod proxy paths).
    public var rest: [String]

    /// Parses a resource path; nil when the path is not a resource request (discovery, /version, ...).
    public init?(path: String) {
        // Segments are percent-decoded: `/api/v1/namespaces/%64efault/configmaps/%70robe` is default/probe.
        // Only segments with a `%` go through Foundation's decoder: a path is parsed for routing, authorization
        // and audit alike, and CFString's decoding was a tenth of a create's CPU with all three.
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.contains("%") ? (String(segment).removingPercentEncoding ?? String(segment)) : String(segment)
        }
        guard parts.count >= 3 else { return nil }
        apiPrefix = parts.removeFirst()
        switch apiPrefix {
        case "api":
            group = ""
        case "apis":
            guard parts.count >= 3 else { return nil }
            group = parts.removeFirst()
        default:
            return nil
        }
        version = parts.removeFirst()
        namespace = nil
        name = nil
        subresource = nil
        rest = []
        // /namespaces/{ns}/{resource}... is a namespaced request; /namespaces/{ns} alone is the namespace object.
        // (except /namespaces/{ns}/status and /finalize, subresources of the namespace itself).
        if parts.count >= 3, parts[0] == "namespaces", parts[2] != "status", parts[2] != "finalize" {
            namespace = parts[1]
            parts.removeFirst(2)
        }
        guard !parts.isEmpty else { return nil }
        resource = parts.removeFirst()
        if !parts.isEmpty { name = parts.removeFirst() }
        if !parts.isEmpty { subresource = parts.removeFirst() }
        rest = parts
    }

    public init(group: String, version: String, resource: String, namespace: String? = nil, name: String? = nil, subresource: String? = nil) {
        self.apiPrefix = group.isEmpty ? "api" : "apis"
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.rest = []
    }
}
