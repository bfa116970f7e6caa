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
    case ("", "persistentvolumeclaims"): return PersistentVolumeClaimStrategy(info: info)
    case ("", "persistentvolumes"): return PersistentVolumeStrategy(info: info)
    case ("", "replicationcontrollers"): return ReplicationControllerStrategy(info: info)
    case ("", "podtemplates"): return PodTemplateStrategy(info: info)
    case ("", "limitranges"): return LimitRangeStrategy(info: info)
    case ("apps", "statefulsets"): return StatefulSetStrategy(info: info)
    case ("apps", "daemonsets"): return DaemonSetStrategy(info: info)
    case ("apps", "controllerrevisions"): return ControllerRevisionStrategy(info: info)
    case ("batch", "jobs"): return JobStrategy(info: info)
    case ("batch", "cronjobs"): return CronJobStrategy(info: info)
    case ("autoscaling", "horizontalpodautoscalers"): return HorizontalPodAutoscalerStrategy(info: info)
    case ("policy", "poddisruptionbudgets"): return PodDisruptionBudgetStrategy(info: info)
    case ("scheduling.k8s.io", "priorityclasses"): return PriorityClassStrategy(info: info)
    case ("networking.k8s.io", "ingresses"): return IngressStrategy(info: info)
    case ("networking.k8s.io", "ingressclasses"): return IngressClassStrategy(info: info)
    case ("networking.k8s.io", "networkpolicies"): return NetworkPolicyStrategy(info: info)
    case ("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles"): return RoleStrategy(info: info)
    case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
        return RoleBindingStrategy(info: info)
    case ("storage.k8s.io", "storageclasses"): return StorageClassStrategy(info: info)
    case ("storage.k8s.io", "csidrivers"): return CSIDriverStrategy(info: info)
    case ("storage.k8s.io", "volumeattachments"): return VolumeAttachmentStrategy(info: info)
    case ("node.k8s.io", "runtimeclasses"): return RuntimeClassStrategy(info: info)
    case ("apiextensions.k8s.io", "customresourcedefinitions"): return CustomResourceDefinitionStrategy(info: info)
    case ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"), ("admissionregistration.k8s.io", "validatingwebhookconfigurations"):
        return WebhookConfigurationStrategy(info: info)
    default: return GenericStrategy(info: info)
    }
}
