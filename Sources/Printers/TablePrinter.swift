import APIMachinery
import Foundation

/// One column of a server-side Table (`meta.k8s.io/v1 TableColumnDefinition`).
public struct TableColumn: Sendable, Hashable {
    /// Upstream's column name ("Name", "Ready", "Nominated Node"); kubectl upper-cases it.
    public var name: String
    /// OpenAPI type of the cells: "string", "integer", "boolean", "date".
    public var type: String
    /// "name" marks the column kubectl uses for `-o name`; usually "".
    public var format: String
    public var description: String
    /// 0 = always shown; 1 = only with `kubectl get -o wide`.
    public var priority: Int

    public init(name: String, type: String = "string", format: String = "", priority: Int = 0, description: String) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }

    /// Upstream serialises every field, empty format and zero priority included.
    public var json: JSON {
        ["name": .string(name), "type": .string(type), "format": .string(format),
         "description": .string(description), "priority": .int(Int64(priority))]
    }
}

/// Renders one kind's objects as Table rows, as upstream's printers in
/// `pkg/printers/internalversion/printers.go` do.
///
/// The server always produces the wide cells (upstream generates with `Wide: true`); kubectl hides the
/// priority-1 columns unless `-o wide`. kubectl prints cells verbatim, so their text must be upstream's.
public protocol TablePrinter: Sendable {
    var columnDefinitions: [TableColumn] { get }
    /// One cell per column definition, in order; `now` is the clock AGE columns are computed against.
    func cells(for object: JSON, now: Date) -> [JSON]
    /// Row conditions (`[{type, status, reason, message}]`); pods mark completed rows. Usually empty.
    func conditions(for object: JSON) -> [JSON]
}

extension TablePrinter {
    public func conditions(for object: JSON) -> [JSON] { [] }
}

/// The printer for a served resource; kinds without one get upstream's default (Name, Created At).
public func tablePrinter(group: String, resource: String) -> any TablePrinter {
    switch (group, resource) {
    case ("", "pods"): return PodPrinter()
    case ("", "nodes"): return NodePrinter()
    case ("", "namespaces"): return NamespacePrinter()
    case ("", "services"): return ServicePrinter()
    case ("", "endpoints"): return EndpointsPrinter()
    case ("", "configmaps"): return ConfigMapPrinter()
    case ("", "secrets"): return SecretPrinter()
    case ("", "events"): return EventPrinter()
    case ("", "serviceaccounts"): return ServiceAccountPrinter()
    case ("apps", "deployments"): return DeploymentPrinter()
    case ("apps", "replicasets"): return ReplicaSetPrinter()
    case ("discovery.k8s.io", "endpointslices"): return EndpointSlicePrinter()
    case ("coordination.k8s.io", "leases"): return LeasePrinter()
    case ("", "persistentvolumeclaims"): return PersistentVolumeClaimPrinter()
    case ("", "persistentvolumes"): return PersistentVolumePrinter()
    case ("", "replicationcontrollers"): return ReplicationControllerPrinter()
    case ("", "podtemplates"): return PodTemplatePrinter()
    case ("", "resourcequotas"): return ResourceQuotaPrinter()
    case ("", "componentstatuses"): return ComponentStatusPrinter()
    case ("apps", "statefulsets"): return StatefulSetPrinter()
    case ("apps", "daemonsets"): return DaemonSetPrinter()
    case ("apps", "controllerrevisions"): return ControllerRevisionPrinter()
    case ("batch", "jobs"): return JobPrinter()
    case ("batch", "cronjobs"): return CronJobPrinter()
    case ("autoscaling", "horizontalpodautoscalers"): return HorizontalPodAutoscalerPrinter()
    case ("policy", "poddisruptionbudgets"): return PodDisruptionBudgetPrinter()
    case ("scheduling.k8s.io", "priorityclasses"): return PriorityClassPrinter()
    case ("networking.k8s.io", "ingresses"): return IngressPrinter()
    case ("networking.k8s.io", "ingressclasses"): return IngressClassPrinter()
    case ("networking.k8s.io", "networkpolicies"): return NetworkPolicyPrinter()
    case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"): return RoleBindingPrinter()
    case ("storage.k8s.io", "storageclasses"): return StorageClassPrinter()
    case ("storage.k8s.io", "csidrivers"): return CSIDriverPrinter()
    case ("storage.k8s.io", "csinodes"): return CSINodePrinter()
    case ("storage.k8s.io", "volumeattachments"): return VolumeAttachmentPrinter()
    case ("node.k8s.io", "runtimeclasses"): return RuntimeClassPrinter()
    case ("certificates.k8s.io", "certificatesigningrequests"): return CertificateSigningRequestPrinter()
    case ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"), ("admissionregistration.k8s.io", "validatingwebhookconfigurations"):
        return WebhookConfigurationPrinter()
    case ("apiregistration.k8s.io", "apiservices"): return APIServicePrinter()
    case ("events.k8s.io", "events"): return EventsV1Printer()
    case ("flowcontrol.apiserver.k8s.io", "flowschemas"): return FlowSchemaPrinter()
    case ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): return PriorityLevelConfigurationPrinter()
    case ("admissionregistration.k8s.io", "validatingadmissionpolicies"): return ValidatingAdmissionPolicyPrinter()
    case ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): return ValidatingAdmissionPolicyBindingPrinter()
    case ("storage.k8s.io", "csistoragecapacities"): return CSIStorageCapacityPrinter()
    default: return DefaultTablePrinter()
    }
}
