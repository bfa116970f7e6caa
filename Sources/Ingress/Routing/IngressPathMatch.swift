/// How one path rule of an Ingress matches a request path, as the Ingress API defines `pathType`.
///
/// `Prefix` matches element-wise on `/`-separated segments ("/foo" matches "/foo", "/foo/" and "/foo/bar",
/// never "/foobar"), ignoring a trailing slash in the rule. `Exact` matches the whole path, case-sensitively.
/// `ImplementationSpecific` is Skiff's choice to make, and it is `Prefix`, as Traefik and ingress-nginx
/// (without regex annotations) treat it.
public enum IngressPathMatch: Sendable, Equatable {
    case exact(String)
    case prefix(String)

    /// From an Ingress path and its `pathType` (nil or unknown: ImplementationSpecific).
    public init(path: String?, pathType: String?) {
        let path = (path ?? "").isEmpty ? "/" : path!
        self = pathType == "Exact" ? .exact(path) : .prefix(path)
    }

    /// The rule's path with a Prefix rule's trailing slashes removed ("/" stays "/").
    var normalized: String {
        switch self {
        case .exact(let p): return p
        case .prefix(let p):
            var s = Substring(p)
            while s.count > 1 && s.hasSuffix("/") { s = s.dropLast() }
            return String(s)
        }
    }

    public func matches(_ requestPath: String) -> Bool {
        switch self {
        case .exact(let p): return requestPath == p
        case .prefix:
            let rule = normalized
            if rule == "/" { return true }
            guard requestPath.hasPrefix(rule) else { return false }
            let rest = requestPath.dropFirst(rule.count)
            return rest.isEmpty || rest.first == "/"
        }
    }

    /// Ordering between matching rules: the longest path wins; at equal length an Exact rule wins over a
    /// Prefix one (the Ingress API's precedence).
    func isMoreSpecific(than other: IngressPathMatch) -> Bool {
        let (a, b) = (normalized.count, other.normalized.count)
        if a != b { return a > b }
        if case .exact = self, case .prefix = other { return true }
        return false
    }
}
