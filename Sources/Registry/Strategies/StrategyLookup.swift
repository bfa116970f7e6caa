import APIMachinery

/// The strategy for a served resource: its kind-specific defaulting, validation and field selectors.
/// Resources without particular behaviour (bindings, handled by the server) get `GenericStrategy`.
///
/// Handlers call, in upstream's order: `applyDefaults` on every decoded body; then for a create
/// `prepareForCreate`, `validateObjectMeta(_:for:)` and `validate`; for an update `prepareForUpdate`,
/// `validateObjectMetaUpdate(new:old:)` and `validateUpdate`; for `/status`
/// `prepareForStatusUpdate`, `validateObjectMetaUpdate` and, when the strategy is a
/// `StatusValidatingStrategy`, `validateStatusUpdate`.
public func strategy(for info: ResourceInfo) -> any ResourceStrategy {
    switch (info.group, info.resource) {
    case ("", "pods"): return PodStrategy(info: info)
    case ("", "nodes"): return NodeStrategy(info: info)
    case ("", "namespaces"): return NamespaceStrategy(info: info)
    case ("", "services"): return ServiceStrategy(info: info)
    case ("", "endpoints"): return EndpointsStrategy(info: info)
    case ("", "configmaps"): return ConfigMapStrategy(info: info)
    case ("", "secrets"): return SecretStrategy(info: info)
    case ("", "events"): return EventStrategy(info: info)
    case ("", "serviceaccounts"): return ServiceAccountStrategy(info: info)
    case ("apps", "deployments"): return DeploymentStrategy(info: info)
    case ("apps", "replicasets"): return ReplicaSetStrategy(info: info)
    case ("discovery.k8s.io", "endpointslices"): return EndpointSliceStrategy(info: info)
    case ("coordination.k8s.io", "leases"): return LeaseStrategy(info: info)
    default: return GenericStrategy(info: info)
    }
}
