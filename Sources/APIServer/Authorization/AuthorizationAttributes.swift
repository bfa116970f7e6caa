import APIMachinery
import PKI

/// What an authorizer decides on, as upstream's `authorizer.Attributes`: who asks, the verb, and either a
/// resource (group, resource, subresource, namespace, name) or a non-resource path.
public struct AuthorizationAttributes: Sendable, Equatable {
    public var user: AuthenticatedUser
    public var verb: String
    public var isResourceRequest: Bool
    /// The request path of a non-resource request ("/version", "/healthz").
    public var path: String
    public var namespace: String
    public var apiGroup: String
    public var apiVersion: String
    public var resource: String
    public var subresource: String
    public var name: String

    public init(user: AuthenticatedUser, verb: String, isResourceRequest: Bool = true, path: String = "",
                namespace: String = "", apiGroup: String = "", apiVersion: String = "", resource: String = "",
                subresource: String = "", name: String = "") {
        self.user = user
        self.verb = verb
        self.isResourceRequest = isResourceRequest
        self.path = path
        self.namespace = namespace
        self.apiGroup = apiGroup
        self.apiVersion = apiVersion
        self.resource = resource
        self.subresource = subresource
        self.name = name
    }

    /// A non-resource request: `verb` on `path`.
    public static func nonResource(user: AuthenticatedUser, verb: String, path: String) -> AuthorizationAttributes {
        AuthorizationAttributes(user: user, verb: verb, isResourceRequest: false, path: path)
    }

    /// The attributes of an HTTP request as upstream's `RequestInfoFactory` derives them: the verb from the
    /// method (GET of a collection is list, `?watch=true` makes it watch, DELETE of a collection is
    /// deletecollection), resource requests from `/api` and `/apis` paths, everything else a path.
    static func of(method: String, path rawPath: String, query: QueryParameters, user: AuthenticatedUser) -> AuthorizationAttributes {
        let path = rawPath.count > 1 && rawPath.hasSuffix("/") ? String(rawPath.dropLast()) : rawPath
        let lowerVerb = method.lowercased()
        guard var ri = RequestInfo(path: path) else {
            return .nonResource(user: user, verb: lowerVerb == "head" ? "get" : lowerVerb, path: rawPath)
        }
        // `/api/v1/watch/namespaces/default/pods` is the legacy spelling of `?watch=true`.
        var legacyWatch = false
        if ri.resource == "watch", let rest = RequestInfo(path: path.replacingOccurrences(of: "/\(ri.version)/watch/", with: "/\(ri.version)/")) {
            ri = rest
            legacyWatch = true
        }
        var verb: String
        switch method.uppercased() {
        case "POST": verb = "create"
        case "GET", "HEAD": verb = "get"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = "delete"
        default: verb = ""
        }
        if ri.name == nil || legacyWatch {
            if verb == "get" { verb = "list" }
            if verb == "delete" { verb = "deletecollection" }
        }
        if verb == "get" || verb == "list" {
            if legacyWatch || query.bool("watch") { verb = "watch" }
        }
        // A list or watch naming one object by field selector (`metadata.name=x`) is about that object.
        var name = ri.name ?? ""
        if name.isEmpty, verb == "list" || verb == "watch", let fs = query["fieldSelector"] {
            for term in fs.split(separator: ",") {
                let parts = term.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2, parts[0] == "metadata.name" { name = parts[1] }
            }
        }
        // The namespace object itself: `/api/v1/namespaces/x` addresses namespace x, in namespace x.
        var namespace = ri.namespace ?? ""
        if ri.group.isEmpty, ri.resource == "namespaces", let n = ri.name { namespace = n }
        return AuthorizationAttributes(
            user: user, verb: verb, isResourceRequest: true, path: rawPath, namespace: namespace,
            apiGroup: ri.group, apiVersion: ri.version, resource: ri.resource, subresource: ri.subresource ?? "", name: name)
    }
}
