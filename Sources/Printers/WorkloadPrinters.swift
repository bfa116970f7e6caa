import APIMachinery
import Foundation

/// Printers of the batch and apps kinds beyond deployments and replica sets, and the core
/// ReplicationController and PodTemplate (upstream's `printJob`, `printCronJob`, `printStatefulSet`,
/// `printDaemonSet`, `printReplicationController`, `printPodTemplate`, `printControllerRevision`).

func age(_ o: JSON, _ now: Date) -> JSON { .string(translateTimestampSince(o.creationTimestamp, now: now)) }
func col(_ name: String, _ description: String) -> TableColumn {
    TableColumn(name: name, description: description)
}
func col(_ name: String, _ type: String, _ description: String) -> TableColumn {
    TableColumn(name: name, type: type, description: description)
}
func col(_ name: String, priority: Int, _ description: String) -> TableColumn {
    TableColumn(name: name, priority: priority, description: description)
}
/// Upstream's `printBoolPtr`.
func boolPtr(_ v: JSON?) -> String {
    guard let b = v?.bool else { return "<unset>" }
    return b ? "True" : "False"
}
func stringMap(_ v: JSON?) -> [String: String] { v?.stringMap ?? [:] }
func hasCondition(_ o: JSON, _ type: String) -> Bool {
    o.list("status.conditions").contains { $0.str("type") == type && $0.str("status") == "True" }
}

/// `kubectl get jobs`: NAME STATUS COMPLETIONS DURATION AGE | CONTAINERS IMAGES SELECTOR.
public struct JobPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Status", "Status of the job."),
        col("Completions", "The desired number of successfully finished pods the job should be run with."),
        col("Duration", "Time required to complete the job."),
        ColumnDescriptions.ageColumn,
        col("Containers", priority: 1, ColumnDescriptions.containers),
        col("Images", priority: 1, ColumnDescriptions.images),
        col("Selector", priority: 1, "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ]

    public func cells(for job: JSON, now: Date) -> [JSON] {
        let status: String
        if hasCondition(job, "Complete") { status = "Complete" }
        else if hasCondition(job, "Failed") { status = "Failed" }
        else if job.at("metadata.deletionTimestamp").map({ !$0.isNull }) == true { status = "Terminating" }
        else if hasCondition(job, "Suspended") { status = "Suspended" }
        else if hasCondition(job, "FailureTarget") { status = "FailureTarget" }
        else if hasCondition(job, "SuccessCriteriaMet") { status = "SuccessCriteriaMet" }
        else { status = "Running" }
        let succeeded = job.int("status.succeeded")
        let completions: String
        if let c = job.at("spec.completions")?.int {
            completions = "\(succeeded)/\(c)"
        } else {
            let parallelism = job.at("spec.parallelism")?.int ?? 0
            completions = parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
        }
        var duration = ""
        if let start = Timestamp(job.at("status.startTime")) {
            if let end = Timestamp(job.at("status.completionTime")) {
                duration = humanDuration(nanoseconds: end.nanoseconds(since: start))
            } else {
                duration = humanDuration(nanoseconds: Timestamp(now).nanoseconds(since: start))
            }
        }
        let (names, images) = layoutContainerCells(job.list("spec.template.spec.containers"))
        return [.string(job.name), .string(status), .string(completions), .string(duration), age(job, now),
                .string(names), .string(images), .string(formatLabelSelector(job.at("spec.selector")))]
    }
}

/// `kubectl get cronjobs`: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR.
public struct CronJobPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        col("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
        col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
        col("Active", "integer", "A list of pointers to currently running jobs."),
        col("Last Schedule", "Information when was the last time the job was successfully scheduled."),
        ColumnDescriptions.ageColumn,
        col("Containers", priority: 1, ColumnDescriptions.containers),
        col("Images", priority: 1, ColumnDescriptions.images),
        col("Selector", priority: 1, "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ]

    public func cells(for cj: JSON, now: Date) -> [JSON] {
        let last = Timestamp(cj.at("status.lastScheduleTime")).map { translateTimestampSince($0, now: now) } ?? "<none>"
        let tz = cj.at("spec.timeZone")?.string ?? "<none>"
        let (names, images) = layoutContainerCells(cj.list("spec.jobTemplate.spec.template.spec.containers"))
        return [.string(cj.name), .string(cj.str("spec.schedule")), .string(tz), .string(boolPtr(cj.at("spec.suspend"))),
                .int(Int64(cj.list("status.active").count)), .string(last), age(cj, now),
                .string(names), .string(images), .string(formatLabelSelector(cj.at("spec.jobTemplate.spec.selector")))]
    }
}

/// `kubectl get statefulsets`: NAME READY AGE | CONTAINERS IMAGES.
public struct StatefulSetPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Ready", "Number of the pod with ready state"),
        ColumnDescriptions.ageColumn,
        col("Containers", priority: 1, ColumnDescriptions.containers),
        col("Images", priority: 1, ColumnDescriptions.images),
    ]

    public func cells(for sts: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(sts.list("spec.template.spec.containers"))
        return [.string(sts.name), .string("\(sts.int("status.readyReplicas"))/\(sts.int("spec.replicas"))"), age(sts, now),
                .string(names), .string(images)]
    }
}

/// `kubectl get daemonsets`: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR.
public struct DaemonSetPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
        col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
        col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
        col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
        col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
        ColumnDescriptions.ageColumn,
        col("Containers", priority: 1, ColumnDescriptions.containers),
        col("Images", priority: 1, ColumnDescriptions.images),
        col("Selector", priority: 1, "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ]

    public func cells(for ds: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(ds.list("spec.template.spec.containers"))
        return [.string(ds.name), .int(ds.int("status.desiredNumberScheduled")), .int(ds.int("status.currentNumberScheduled")),
                .int(ds.int("status.numberReady")), .int(ds.int("status.updatedNumberScheduled")), .int(ds.int("status.numberAvailable")),
                .string(formatLabels(stringMap(ds.at("spec.template.spec.nodeSelector")))), age(ds, now),
                .string(names), .string(images), .string(formatLabelSelector(ds.at("spec.selector")))]
    }
}

/// `kubectl get replicationcontrollers`: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR.
public struct ReplicationControllerPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        col("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        col("Ready", "integer", "The number of ready replicas for this replication controller."),
        ColumnDescriptions.ageColumn,
        col("Containers", priority: 1, ColumnDescriptions.containers),
        col("Images", priority: 1, ColumnDescriptions.images),
        col("Selector", priority: 1, "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"),
    ]

    public func cells(for rc: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(rc.list("spec.template.spec.containers"))
        return [.string(rc.name), .int(rc.int("spec.replicas")), .int(rc.int("status.replicas")), .int(rc.int("status.readyReplicas")),
                age(rc, now), .string(names), .string(images), .string(formatLabels(stringMap(rc.at("spec.selector"))))]
    }
}

/// `kubectl get podtemplates`: NAME CONTAINERS IMAGES POD LABELS.
public struct PodTemplatePrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Containers", ColumnDescriptions.containers),
        col("Images", ColumnDescriptions.images),
        col("Pod Labels", "The labels of the pod template."),
    ]

    public func cells(for pt: JSON, now: Date) -> [JSON] {
        let (names, images) = layoutContainerCells(pt.list("template.spec.containers"))
        return [.string(pt.name), .string(names), .string(images), .string(formatLabels(stringMap(pt.at("template.metadata.labels"))))]
    }
}

/// `kubectl get controllerrevisions`: NAME CONTROLLER REVISION AGE.
public struct ControllerRevisionPrinter: TablePrinter {
    public init() {}
    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        col("Controller", "Controller of the object"),
        col("Revision", "integer", "Revision indicates the revision of the state represented by Data."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for cr: JSON, now: Date) -> [JSON] {
        var controller = "<none>"
        if let ref = cr.list("metadata.ownerReferences").first(where: { $0.flag("controller") }) {
            let apiVersion = ref.str("apiVersion")
            let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
            let kind = group.isEmpty ? ref.str("kind") : "\(ref.str("kind")).\(group)"
            controller = "\(kind.lowercased())/\(ref.str("name"))"
        }
        return [.string(cr.name), .string(controller), .int(cr.int("revision")), age(cr, now)]
    }
}
