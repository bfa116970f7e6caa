import APIMachinery

/// Thrown when an object's fields cannot be read as scheduling needs them (in practice, a request that is
/// not a quantity: the API server rejects those, so this only meets hand-written or corrupted objects).
public struct SchedulingDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What the scheduler reads from a Pod, decoded once when the informer delivers it so a scheduling cycle
/// never touches JSON. Requests are precomputed with upstream's effective-request rule.
public struct PodView: Sendable, Equatable {
    public var uid: String
    public var name: String
    public var namespace: String
    public var labels: [String: String]
    /// `spec.nodeName`: empty until bound.
    public var nodeName: String
    /// `spec.schedulerName`, defaulted to `default-scheduler` as the API server defaults it.
    public var schedulerName: String
    /// `spec.priority` (set by the Priority admission plugin; 0 when absent).
    public var priority: Int32
    /// `spec.preemptionPolicy`: `PreemptLowerPriority` (default) or `Never`.
    public var preemptionPolicy: String
    public var requiredNodeAffinity: RequiredNodeAffinity
    public var preferredNodeAffinity: [PreferredSchedulingTerm]
    public var tolerations: [Toleration]
    /// Host ports of the app containers (the ones upstream's NodePorts plugin and NodeInfo count).
    public var hostPorts: [HostPort]
    public var schedulingGates: [String]
    public var nominatedNodeName: String
    public var phase: String
    /// `metadata.deletionTimestamp` is set.
    public var isTerminating: Bool
    /// Terminating because the scheduler preempted it (a `DisruptionTarget` condition with reason
    /// `PreemptionByScheduler`): a preemptor nominated to its node waits instead of preempting again.
    public var isTerminatingByPreemption: Bool
    /// `status.startTime` (RFC 3339, so string order is time order); preemption prefers older victims to keep.
    public var startTime: String?
    /// The PersistentVolumeClaims the pod's volumes name: `persistentVolumeClaim` volumes and the
    /// `<pod>-<volume>` claims of generic ephemeral volumes (what VolumeBinding checks).
    public var claimNames: [String] = []

    /// The effective request (max of init containers vs app containers + sidecars, plus overhead) as
    /// `NodeResourcesFit` and `NodeInfo.requested` use it.
    public var requests: ResourceList
    /// Cpu and memory with 100m / 200Mi for containers that request none (upstream's non-zero request,
    /// used by `NodeInfo.nonZeroRequested` and LeastAllocated scoring).
    public var nonZeroMilliCPU: Int64
    public var nonZeroMemory: Int64

    /// The scheduler's defaults for containers without requests (`schedutil.DefaultMilliCPURequest` and
    /// `DefaultMemoryRequest`).
    public static let defaultMilliCPURequest: Int64 = 100
    public static let defaultMemoryRequest: Int64 = 200 * 1024 * 1024
    public static let defaultSchedulerName = "default-scheduler"

    public var key: String { "\(namespace)/\(name)" }
    public var isTerminal: Bool { phase == "Succeeded" || phase == "Failed" }
    public var isGated: Bool { !schedulingGates.isEmpty }

    public init(json: JSON) throws(SchedulingDecodeError) {
        let meta = json["metadata"] ?? .null
        let spec = json["spec"] ?? .null
        let status = json["status"] ?? .null
        uid = meta["uid"]?.string ?? ""
        name = meta["name"]?.string ?? ""
        namespace = meta["namespace"]?.string ?? ""
        labels = meta["labels"]?.stringMap ?? [:]
        isTerminating = meta["deletionTimestamp"].map { !$0.isNull } ?? false
        nodeName = spec["nodeName"]?.string ?? ""
        let scheduler = spec["schedulerName"]?.string ?? ""
        schedulerName = scheduler.isEmpty ? Self.defaultSchedulerName : scheduler
        priority = Int32(clamping: spec["priority"]?.int ?? 0)
        preemptionPolicy = spec["preemptionPolicy"]?.string ?? "PreemptLowerPriority"
        tolerations = (spec["tolerations"]?.array ?? []).map(Toleration.init(json:))
        schedulingGates = (spec["schedulingGates"]?.array ?? []).map { $0["name"]?.string ?? "" }
        nominatedNodeName = status["nominatedNodeName"]?.string ?? ""
        phase = status["phase"]?.string ?? ""
        startTime = status["startTime"]?.string
        isTerminatingByPreemption = isTerminating && (status["conditions"]?.array ?? []).contains {
            $0["type"]?.string == "DisruptionTarget" && $0["status"]?.string == "True"
                && $0["reason"]?.string == "PreemptionByScheduler"
        }

        let podName = name
        claimNames = (spec["volumes"]?.array ?? []).compactMap { v in
            if let claim = v[path: ["persistentVolumeClaim", "claimName"]]?.string { return claim }
            if v["ephemeral"] != nil, let volume = v["name"]?.string { return "\(podName)-\(volume)" }
            return nil
        }

        let nodeAffinity = spec[path: ["affinity", "nodeAffinity"]] ?? .null
        var terms: [NodeSelectorTerm]?
        if let required = nodeAffinity["requiredDuringSchedulingIgnoredDuringExecution"], !required.isNull {
            terms = (required["nodeSelectorTerms"]?.array ?? []).map(NodeSelectorTerm.init(json:))
        }
        requiredNodeAffinity = RequiredNodeAffinity(nodeSelector: spec["nodeSelector"]?.stringMap ?? [:], terms: terms)
        preferredNodeAffinity = (nodeAffinity["preferredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).map {
            PreferredSchedulingTerm(weight: $0["weight"]?.int ?? 0, preference: NodeSelectorTerm(json: $0["preference"] ?? .null))
        }

        let containers = spec["containers"]?.array ?? []
        let initContainers = spec["initContainers"]?.array ?? []
        var ports: [HostPort] = []
        for c in containers {
            for p in c["ports"]?.array ?? [] {
                let hostPort = Int32(clamping: p["hostPort"]?.int ?? 0)
                guard hostPort > 0 else { continue }
                ports.append(HostPort(hostIP: p["hostIP"]?.string ?? "", protocol: p["protocol"]?.string ?? "", port: hostPort))
            }
        }
        hostPorts = ports

        let appRequests = try containers.map { c throws(SchedulingDecodeError) in
            ContainerRequests(requests: try Self.containerRequests(c))
        }
        let initRequests = try initContainers.map { c throws(SchedulingDecodeError) in
            ContainerRequests(requests: try Self.containerRequests(c), restartable: c["restartPolicy"]?.string == "Always")
        }
        let overhead = try Self.quantities(spec["overhead"], field: "overhead")
        requests = ResourceList(PodRequests.effective(containers: appRequests, initContainers: initRequests,
                                                      overhead: overhead))
        let nonZero = PodRequests.effective(
            containers: appRequests, initContainers: initRequests, overhead: overhead,
            nonMissing: ["cpu": Quantity(milli: Self.defaultMilliCPURequest), "memory": Quantity(Self.defaultMemoryRequest)])
        nonZeroMilliCPU = nonZero["cpu", default: .zero].milliValue
        nonZeroMemory = nonZero["memory", default: .zero].value
    }

    /// A container's requests, with any resource that has only a limit requesting that limit — the API
    /// server's pod defaulting, applied here too so an object stored without it is not under-counted.
    static func containerRequests(_ c: JSON) throws(SchedulingDecodeError) -> [String: Quantity] {
        var requests = try quantities(c[path: ["resources", "requests"]], field: "requests")
        for (name, q) in try quantities(c[path: ["resources", "limits"]], field: "limits") where requests[name] == nil {
            requests[name] = q
        }
        return requests
    }

    static func quantities(_ json: JSON?, field: String) throws(SchedulingDecodeError) -> [String: Quantity] {
        guard let object = json?.object else { return [:] }
        var out: [String: Quantity] = [:]
        for (name, value) in object {
            do {
                out[name] = try Quantity(json: value)
            } catch {
                throw SchedulingDecodeError("\(field)[\(name)]: \(error.description)")
            }
        }
        return out
    }
}
