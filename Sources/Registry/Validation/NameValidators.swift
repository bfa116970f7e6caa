import APIMachinery

/// Checks an object name, returning upstream's messages (empty when valid).
public typealias NameValidator = @Sendable (String) -> [String]

/// The name rule upstream applies to objects of a kind (its `ValidateXxxName`):
/// services are DNS-1035 labels, namespaces DNS-1123 labels, core/v1 events only need to be a valid
/// path segment, and everything else (pods, nodes, configmaps, secrets, deployments, ...) a DNS-1123
/// subdomain.
public func nameValidator(for info: ResourceInfo) -> NameValidator {
    switch (info.group, info.resource) {
    case ("", "services"): return { isDNS1035Label($0) }
    case ("", "namespaces"): return { isDNS1123Label($0) }
    case ("", "events"), ("events.k8s.io", "events"): return { isValidPathSegmentName($0) }
    case ("rbac.authorization.k8s.io", _): return { isValidPathSegmentName($0) }
    default: return { isDNS1123Subdomain($0) }
    }
}
