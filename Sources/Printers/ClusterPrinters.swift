import APIMachinery
import Foundation

/// Printers of the storage, networking, RBAC, policy, scheduling, autoscaling and cluster kinds, after
/// upstream's `pkg/printers/internalversion/printers.go`.

/// Upstream's `GetAccessModesAsString`: the short names of the modes present, in a fixed order.
func accessModesString(_ modes: [JSON]) -> String {
    let set = Set(modes.compactMap(\.string))
    return [("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP")]
        .filter { set.contains($0.0) }.map(\.1).joined(separator: ",")
}

func isTerminating(_ o: JSON) -> Bool { o.at("metadata.deletionTimestamp").map { !$0.isNull } ?? false }

/// `kubectl get pvc`: NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE | VOLUMEMODE.
public struct PersistentVolumeClaimPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Status", "phase represents the current phase of PersistentVolumeClaim."),
        col("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        col("Capacity", "capacity represents the actual resources of the underlying volume."),
        col("Access Modes", "accessModes contains the desired access modes the volume should have. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
        col("StorageClass", "storageClassName is the name of the StorageClass required by the claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#class-1"),
        col("VolumeAttributesClass", "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim."),
        ColumnDescriptions.ageColumn,
        col("VolumeMode", priority: 1, "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec."),
    ]

    public func cells(for pvc: JSON, now: Date) -> [JSON] {
        let phase = isTerminating(pvc) ? "Terminating" : pvc.str("status.phase")
        var capacity = "", modes = ""
        if !pvc.str("spec.volumeName").isEmpty {
            modes = accessModesString(pvc.list("status.accessModes"))
            capacity = pvc.str("status.capacity.storage")
        }
        let vac = pvc.str("spec.volumeAttributesClassName")
        let annotated = pvc.at("metadata.annotations")?["volume.beta.kubernetes.io/storage-class"]?.string
        return [.string(pvc.name), .string(phase), .string(pvc.str("spec.volumeName")), .string(capacity), .string(modes),
                .string(annotated ?? pvc.str("spec.storageClassName")), .string(vac.isEmpty ? "<unset>" : vac), age(pvc, now),
                .string(pvc.at("spec.volumeMode")?.string ?? "<unset>")]
    }
}

/// `kubectl get pv`: NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE | VOLUMEMODE.
public struct PersistentVolumePrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Capacity", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
        col("Access Modes", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
        col("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
        col("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
        col("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
        col("StorageClass", "storageClassName is the name of StorageClass to which this persistent volume belongs. Empty value means that this volume does not belong to any StorageClass."),
        col("VolumeAttributesClass", "Name of VolumeAttributesClass to which this persistent volume belongs. Empty value is not allowed. When this field is not set, it indicates that this volume does not belong to any VolumeAttributesClass."),
        col("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        ColumnDescriptions.ageColumn,
        col("VolumeMode", priority: 1, "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec."),
    ]

    public func cells(for pv: JSON, now: Date) -> [JSON] {
        var claim = ""
        if let ref = pv.at("spec.claimRef"), !ref.isNull { claim = ref.str("namespace") + "/" + ref.str("name") }
        let phase = isTerminating(pv) ? "Terminating" : pv.str("status.phase")
        let vac = pv.str("spec.volumeAttributesClassName")
        let annotated = pv.at("metadata.annotations")?["volume.beta.kubernetes.io/storage-class"]?.string
        return [.string(pv.name), .string(pv.str("spec.capacity.storage")), .string(accessModesString(pv.list("spec.accessModes"))),
                .string(pv.str("spec.persistentVolumeReclaimPolicy")), .string(phase), .string(claim),
                .string(annotated ?? pv.str("spec.storageClassName")), .string(vac.isEmpty ? "<unset>" : vac), .string(pv.str("status.reason")),
                age(pv, now), .string(pv.at("spec.volumeMode")?.string ?? "<unset>")]
    }
}

/// `kubectl get storageclasses`: NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE.
public struct StorageClassPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Provisioner", "provisioner indicates the type of the provisioner."),
        col("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
        col("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
        col("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for sc: JSON, now: Date) -> [JSON] {
        let ann = sc.at("metadata.annotations")
        let isDefault = ann?["storageclass.kubernetes.io/is-default-class"]?.string == "true"
            || ann?["storageclass.beta.kubernetes.io/is-default-class"]?.string == "true"
        return [.string(sc.name + (isDefault ? " (default)" : "")), .string(sc.str("provisioner")),
                .string(sc.at("reclaimPolicy")?.string ?? "Delete"), .string(sc.at("volumeBindingMode")?.string ?? "Immediate"),
                .bool(sc.flag("allowVolumeExpansion")), age(sc, now)]
    }
}

/// `kubectl get csidrivers`: NAME ATTACHREQUIRED PODINFOONMOUNT STORAGECAPACITY TOKENREQUESTS REQUIRESREPUBLISH MODES AGE.
public struct CSIDriverPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("AttachRequired", "boolean", "attachRequired indicates this CSI volume driver requires an attach operation (because it implements the CSI ControllerPublishVolume() method), and that the Kubernetes attach detach controller should call the attach volume interface which checks the volumeattachment status and waits until the volume is attached before proceeding to mounting."),
        col("PodInfoOnMount", "boolean", "podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations, if set to true."),
        col("StorageCapacity", "boolean", "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report by creating CSIStorageCapacity objects with capacity information, if set to true."),
        col("TokenRequests", "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication."),
        col("RequiresRepublish", "boolean", "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume."),
        col("Modes", "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for d: JSON, now: Date) -> [JSON] {
        var tokens = "<unset>"
        if let t = d.at("spec.tokenRequests")?.array { tokens = t.map { $0.str("audience") }.joined(separator: ",") }
        let modes = d.list("spec.volumeLifecycleModes").compactMap(\.string).joined(separator: ",")
        return [.string(d.name), .bool(d.at("spec.attachRequired")?.bool ?? true), .bool(d.flag("spec.podInfoOnMount")),
                .bool(d.flag("spec.storageCapacity")), .string(tokens), .bool(d.flag("spec.requiresRepublish")),
                .string(modes.isEmpty ? "<none>" : modes), age(d, now)]
    }
}

/// `kubectl get csinodes`: NAME DRIVERS AGE.
public struct CSINodePrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Drivers", "integer", "Drivers indicates the number of CSI drivers registered on the node"),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for n: JSON, now: Date) -> [JSON] {
        [.string(n.name), .int(Int64(n.list("spec.drivers").count)), age(n, now)]
    }
}

/// `kubectl get volumeattachments`: NAME ATTACHER PV NODE ATTACHED AGE.
public struct VolumeAttachmentPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Attacher", "attacher indicates the name of the volume driver that MUST handle this request. This is the name returned by GetPluginName()."),
        col("PV", "persistentVolumeName represents the name of the persistent volume to attach."),
        col("Node", "nodeName represents the node that the volume should be attached to."),
        col("Attached", "boolean", "attached indicates the volume is successfully attached. This field must only be set by the entity completing the attach operation, i.e. the external-attacher."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for va: JSON, now: Date) -> [JSON] {
        [.string(va.name), .string(va.str("spec.attacher")), .string(va.str("spec.source.persistentVolumeName")),
         .string(va.str("spec.nodeName")), .bool(va.flag("status.attached")), age(va, now)]
    }
}

/// `kubectl get ingresses`: NAME CLASS HOSTS ADDRESS PORTS AGE.
public struct IngressPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Class", "The name of the IngressClass resource that should be used for this Ingress."),
        col("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        col("Address", "Address is a list containing ingress points for the load-balancer"),
        col("Ports", "Ports of TLS configurations that open"),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for ing: JSON, now: Date) -> [JSON] {
        var hosts: [String] = []
        var more = false
        let rules = ing.list("spec.rules")
        for rule in rules {
            if hosts.count == 3 { more = true }
            if !more, !rule.str("host").isEmpty { hosts.append(rule.str("host")) }
        }
        var hostCell = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
        if more { hostCell += " + \(rules.count - 3) more..." }
        let address = ing.list("status.loadBalancer.ingress").compactMap { i -> String? in
            let ip = i.str("ip"), host = i.str("hostname")
            return !ip.isEmpty ? ip : (!host.isEmpty ? host : nil)
        }.joined(separator: ",")
        let ports = ing.list("spec.tls").isEmpty ? "80" : "80, 443"
        return [.string(ing.name), .string(ing.at("spec.ingressClassName")?.string ?? "<none>"), .string(hostCell), .string(address),
                .string(ports), age(ing, now)]
    }
}

/// `kubectl get ingressclasses`: NAME CONTROLLER PARAMETERS AGE.
public struct IngressClassPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Controller", "Controller that is responsible for handling this class"),
        col("Parameters", "A reference to a resource with additional parameters"),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for ic: JSON, now: Date) -> [JSON] {
        var parameters = "<none>"
        if let p = ic.at("spec.parameters"), !p.isNull {
            parameters = p.str("kind")
            if let g = p["apiGroup"]?.string { parameters += "." + g }
            parameters += "/" + p.str("name")
        }
        return [.string(ic.name), .string(ic.str("spec.controller")), .string(parameters), age(ic, now)]
    }
}

/// `kubectl get networkpolicies`: NAME POD-SELECTOR AGE.
public struct NetworkPolicyPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Pod-Selector", "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for np: JSON, now: Date) -> [JSON] {
        [.string(np.name), .string(formatLabelSelector(np.at("spec.podSelector") ?? [:])), age(np, now)]
    }
}

/// `kubectl get rolebindings` / `clusterrolebindings`: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS.
public struct RoleBindingPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. This field is immutable."),
        ColumnDescriptions.ageColumn,
        col("Users", priority: 1, "Users in the roleBinding"),
        col("Groups", priority: 1, "Groups in the roleBinding"),
        col("ServiceAccounts", priority: 1, "ServiceAccounts in the roleBinding"),
    ]
    public func cells(for rb: JSON, now: Date) -> [JSON] {
        var users: [String] = [], groups: [String] = [], sas: [String] = []
        for s in rb.list("subjects") {
            switch s.str("kind") {
            case "ServiceAccount": sas.append("\(s.str("namespace"))/\(s.str("name"))")
            case "User": users.append(s.str("name"))
            case "Group": groups.append(s.str("name"))
            default: break
            }
        }
        return [.string(rb.name), .string("\(rb.str("roleRef.kind"))/\(rb.str("roleRef.name"))"), age(rb, now),
                .string(users.joined(separator: ", ")), .string(groups.joined(separator: ", ")), .string(sas.joined(separator: ", "))]
    }
}

/// `kubectl get hpa`: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE.
public struct HorizontalPodAutoscalerPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Reference", "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
        col("Targets", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization."),
        col("MinPods", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available."),
        col("MaxPods", "integer", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
        col("Replicas", "integer", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for hpa: JSON, now: Date) -> [JSON] {
        let minPods = hpa.at("spec.minReplicas")?.int.map { String($0) } ?? "<unset>"
        return [.string(hpa.name), .string("\(hpa.str("spec.scaleTargetRef.kind"))/\(hpa.str("spec.scaleTargetRef.name"))"),
                .string(Self.targets(hpa)), .string(minPods), .int(hpa.int("spec.maxReplicas")), .int(hpa.int("status.currentReplicas")), age(hpa, now)]
    }

    /// Upstream's `formatHPAMetrics` (v2 metrics; a v1 object's CPU target is shown the same way).
    static func targets(_ hpa: JSON) -> String {
        var specs = hpa.list("spec.metrics")
        var statuses = hpa.list("status.currentMetrics")
        if hpa.str("apiVersion") == "autoscaling/v1" {
            specs = []
            if let t = hpa.at("spec.targetCPUUtilizationPercentage")?.int {
                specs = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(t)]]]]
            }
            if let c = hpa.at("status.currentCPUUtilizationPercentage")?.int {
                statuses = [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int(c)]]]]
            }
        }
        if specs.isEmpty { return "<none>" }
        var list: [String] = []
        for (i, m) in specs.enumerated() {
            let status: JSON? = i < statuses.count ? statuses[i] : nil
            switch m.str("type") {
            case "External", "Object", "Pods":
                let key = m.str("type") == "External" ? "external" : (m.str("type") == "Object" ? "object" : "pods")
                let target = m.at("\(key).target") ?? [:]
                let currentNode = status?.at("\(key).current")
                let tv = target.str("averageValue").isEmpty ? target.str("value") : target.str("averageValue")
                var current = "<unknown>"
                if let c = currentNode { current = c.str("averageValue").isEmpty ? c.str("value") : c.str("averageValue") }
                if !target.str("averageValue").isEmpty, m.str("type") != "Pods" { list.append("\(current)/\(tv) (avg)") }
                else { list.append("\(current)/\(tv)") }
            case "Resource", "ContainerResource":
                let key = m.str("type") == "Resource" ? "resource" : "containerResource"
                let name = m.str("\(key).name")
                let target = m.at("\(key).target") ?? [:]
                let current = status?.at("\(key).current")
                if let av = target["averageValue"]?.string {
                    list.append("\(name): \(current?["averageValue"]?.string ?? "<unknown>")/\(av)")
                } else {
                    let cur = current?["averageUtilization"]?.int.map { "\($0)%" } ?? "<unknown>"
                    let tgt = target["averageUtilization"]?.int.map { "\($0)%" } ?? "<auto>"
                    list.append("\(name): \(cur)/\(tgt)")
                }
            default:
                list.append("<unknown type>")
            }
        }
        if list.count > 2 { return list.prefix(2).joined(separator: ", ") + " + \(list.count - 2) more..." }
        return list.joined(separator: ", ")
    }
}

/// `kubectl get pdb`: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE.
public struct PodDisruptionBudgetPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Min Available", "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
        col("Max Unavailable", "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
        col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for pdb: JSON, now: Date) -> [JSON] {
        func intOrString(_ v: JSON?) -> String {
            guard let v, !v.isNull else { return "N/A" }
            if let i = v.int { return String(i) }
            return v.string ?? "N/A"
        }
        return [.string(pdb.name), .string(intOrString(pdb.at("spec.minAvailable"))), .string(intOrString(pdb.at("spec.maxUnavailable"))),
                .int(pdb.int("status.disruptionsAllowed")), age(pdb, now)]
    }
}

/// `kubectl get priorityclasses`: NAME VALUE GLOBAL-DEFAULT PREEMPTIONPOLICY AGE.
public struct PriorityClassPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Value", "integer", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
        col("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
        col("PreemptionPolicy", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for pc: JSON, now: Date) -> [JSON] {
        [.string(pc.name), .int(pc.int("value")), .bool(pc.flag("globalDefault")), .string(pc.str("preemptionPolicy")), age(pc, now)]
    }
}

/// `kubectl get resourcequotas`: NAME AGE REQUEST LIMIT.
public struct ResourceQuotaPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        ColumnDescriptions.ageColumn,
        col("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        col("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    ]
    public func cells(for q: JSON, now: Date) -> [JSON] {
        let hard = q.at("status.hard")?.object ?? [:], used = q.at("status.used")?.object ?? [:]
        var request: [String] = [], limit: [String] = []
        for name in hard.keys.sorted() {
            let entry = "\(name): \(used[name]?.string ?? "0")/\(hard[name]?.string ?? "0")"
            if name.hasPrefix("limits.") { limit.append(entry) } else { request.append(entry) }
        }
        return [.string(q.name), age(q, now), .string(request.joined(separator: ", ")), .string(limit.joined(separator: ", "))]
    }
}

/// `kubectl get runtimeclasses`: NAME HANDLER AGE.
public struct RuntimeClassPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Handler", "handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class. The possible values are specific to the node & CRI configuration.  It is assumed that all handlers are available on every node, and handlers of the same name are equivalent on every node. For example, a handler called \"runc\" might specify that the runc OCI runtime (using native Linux containers) will be used to run the containers in a pod. The Handler must be lowercase, conform to the DNS Label (RFC 1123) requirements, and is immutable."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for rc: JSON, now: Date) -> [JSON] { [.string(rc.name), .string(rc.str("handler")), age(rc, now)] }
}

/// `kubectl get componentstatuses`: NAME STATUS MESSAGE ERROR.
public struct ComponentStatusPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Status", "Status of the component conditions"),
        col("Message", "Message of the component conditions"),
        col("Error", "Error of the component conditions"),
    ]
    public func cells(for cs: JSON, now: Date) -> [JSON] {
        var status = "Unknown", message = "", error = ""
        if let c = cs.list("conditions").first(where: { $0.str("type") == "Healthy" }) {
            status = c.str("status") == "True" ? "Healthy" : "Unhealthy"
            message = c.str("message")
            error = c.str("error")
        }
        return [.string(cs.name), .string(status), .string(message), .string(error)]
    }
}

/// `kubectl get csr`: NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION.
public struct CertificateSigningRequestPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        ColumnDescriptions.ageColumn,
        col("SignerName", "Name of the signer that should sign this certificate"),
        col("Requestor", "Name of the user requesting the certificate"),
        col("RequestedDuration", "Duration the certificate was requested to be valid for"),
        col("Condition", "State of the signing request"),
    ]
    public func cells(for csr: JSON, now: Date) -> [JSON] {
        var conditions: [String] = []
        for c in csr.list("status.conditions") where ["Approved", "Denied", "Failed"].contains(c.str("type")) {
            conditions.append(c.str("type"))
        }
        var status = conditions.isEmpty ? "Pending" : conditions.joined(separator: ",")
        if !csr.str("status.certificate").isEmpty { status += ",Issued" }
        let duration = csr.at("spec.expirationSeconds")?.int.map { humanDuration(nanoseconds: $0 * 1_000_000_000) } ?? "<none>"
        let signer = csr.str("spec.signerName")
        return [.string(csr.name), age(csr, now), .string(signer.isEmpty ? "<none>" : signer), .string(csr.str("spec.username")),
                .string(duration), .string(status)]
    }
}

/// `kubectl get mutatingwebhookconfigurations` / `validatingwebhookconfigurations`: NAME WEBHOOKS AGE.
public struct WebhookConfigurationPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Webhooks", "integer", "Webhooks indicates the number of webhooks in the configuration"),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for w: JSON, now: Date) -> [JSON] { [.string(w.name), .int(Int64(w.list("webhooks").count)), age(w, now)] }
}

/// `kubectl get apiservices`: NAME SERVICE AVAILABLE AGE.
public struct APIServicePrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Service", "The reference to the service that hosts this API endpoint."),
        col("Available", "Whether this service is available."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for a: JSON, now: Date) -> [JSON] {
        var service = "Local"
        if let s = a.at("spec.service"), !s.isNull { service = "\(s.str("namespace"))/\(s.str("name"))" }
        var available = "Unknown"
        if let c = a.list("status.conditions").first(where: { $0.str("type") == "Available" }) {
            available = c.str("status")
            if !c.str("reason").isEmpty { available += " (\(c.str("reason")))" }
        }
        return [.string(a.name), .string(service), .string(available), age(a, now)]
    }
}

/// events.k8s.io/v1 Events print as core Events do (upstream prints the internal type of both).
public struct EventsV1Printer: TablePrinter {
    let core = EventPrinter()
    public init() {}
    public var columnDefinitions: [TableColumn] { core.columnDefinitions }
    public func cells(for e: JSON, now: Date) -> [JSON] {
        var c = e
        for (from, to) in [("regarding", "involvedObject"), ("note", "message"), ("deprecatedSource", "source"),
                           ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
                           ("deprecatedCount", "count"), ("reportingController", "reportingComponent")] {
            c[to] = e[from]
            c[from] = nil
        }
        return core.cells(for: c, now: now)
    }
}

/// `kubectl get flowschemas`: NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE MISSINGPL.
public struct FlowSchemaPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("PriorityLevel", "priorityLevelConfiguration should reference a PriorityLevelConfiguration in the cluster. If the reference cannot be resolved, the FlowSchema will be ignored and marked as invalid in its status. Required."),
        col("MatchingPrecedence", "integer", "matchingPrecedence is used to choose among the FlowSchemas that match a given request. The chosen FlowSchema is among those with the numerically lowest (which we take to be logically highest) MatchingPrecedence.  Each MatchingPrecedence value must be ranged in [1,10000]. Note that if the precedence is not specified, it will be set to 1000 as default."),
        col("DistinguisherMethod", "distinguisherMethod defines how to compute the flow distinguisher for requests that match this schema. `nil` specifies that the distinguisher is disabled and thus will always be the empty string."),
        ColumnDescriptions.ageColumn,
        col("MissingPL", "indicates whether the referenced priority level configuration object is missing"),
    ]
    public func cells(for fs: JSON, now: Date) -> [JSON] {
        let method = fs.at("spec.distinguisherMethod").flatMap { $0.isNull ? nil : $0["type"]?.string } ?? "*"
        var missing = "?"
        if let c = fs.list("status.conditions").first(where: { $0.str("type") == "Dangling" }) { missing = c.str("status") }
        return [.string(fs.name), .string(fs.str("spec.priorityLevelConfiguration.name")), .int(fs.int("spec.matchingPrecedence")),
                .string(method), age(fs, now), .string(missing)]
    }
}

/// `kubectl get prioritylevelconfigurations`: NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE.
public struct PriorityLevelConfigurationPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Type", "`type` indicates whether this priority level is subject to limitation on request execution.  A value of `\"Exempt\"` means that requests of this priority level are not subject to a limit (and thus are never queued) and do not detract from the capacity made available to other priority levels.  A value of `\"Limited\"` means that (a) requests of this priority level _are_ subject to limits and (b) some of the server's limited capacity is made available exclusively to this priority level. Required."),
        col("NominalConcurrencyShares", "nominalConcurrencyShares (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level."),
        col("Queues", "`queues` is the number of queues for this priority level."),
        col("HandSize", "`handSize` is a small positive number that configures the shuffle sharding of requests into queues."),
        col("QueueLengthLimit", "`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time; excess requests are rejected.  This value must be positive.  If not specified, it will be defaulted to 50."),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for plc: JSON, now: Date) -> [JSON] {
        func intOrNone(_ v: JSON?) -> JSON { v?.int.map { .int($0) } ?? "<none>" }
        var ncs: JSON = "<none>", queues: JSON = "<none>", hand: JSON = "<none>", qll: JSON = "<none>"
        if let limited = plc.at("spec.limited"), !limited.isNull {
            ncs = intOrNone(limited["nominalConcurrencyShares"])
            if let q = limited["limitResponse"]?["queuing"], !q.isNull {
                queues = intOrNone(q["queues"]); hand = intOrNone(q["handSize"]); qll = intOrNone(q["queueLengthLimit"])
            }
        }
        return [.string(plc.name), .string(plc.str("spec.type")), ncs, queues, hand, qll, age(plc, now)]
    }
}

/// `kubectl get validatingadmissionpolicies`: NAME VALIDATIONS PARAMKIND AGE.
public struct ValidatingAdmissionPolicyPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Validations", "integer", "Validations indicates the number of validation expressions"),
        col("ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy"),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for p: JSON, now: Date) -> [JSON] {
        var paramKind = "<unset>"
        if let k = p.at("spec.paramKind"), !k.isNull { paramKind = "\(k.str("apiVersion"))/\(k.str("kind"))" }
        return [.string(p.name), .int(Int64(p.list("spec.validations").count)), .string(paramKind), age(p, now)]
    }
}

/// `kubectl get validatingadmissionpolicybindings`: NAME POLICYNAME PARAMREF AGE.
public struct ValidatingAdmissionPolicyBindingPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("PolicyName", "PolicyName indicates the policy definition which the policy binding binded to"),
        col("ParamRef", "ParamRef indicates the param resource which sets the configration param"),
        ColumnDescriptions.ageColumn,
    ]
    public func cells(for b: JSON, now: Date) -> [JSON] {
        var param = "<unset>"
        if let r = b.at("spec.paramRef"), !r.isNull {
            param = r.str("namespace").isEmpty ? "*/\(r.str("name"))" : "\(r.str("namespace"))/\(r.str("name"))"
        }
        return [.string(b.name), .string(b.str("spec.policyName")), .string(param), age(b, now)]
    }
}

/// `kubectl get csistoragecapacities`: NAME STORAGECLASSNAME CAPACITY.
public struct CSIStorageCapacityPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("StorageClassName", "storageClassName represents the name of the StorageClass that the reported capacity applies to. It must meet the same requirements as the name of a StorageClass object (non-empty, DNS subdomain). If that object no longer exists, the CSIStorageCapacity object is obsolete and should be removed by its creator. This field is immutable."),
        col("Capacity", "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields."),
    ]
    public func cells(for c: JSON, now: Date) -> [JSON] {
        [.string(c.name), .string(c.str("storageClassName")), .string(c.at("capacity")?.string ?? "<unset>")]
    }
}
