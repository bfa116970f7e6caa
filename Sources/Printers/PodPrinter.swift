import APIMachinery
import Foundation

/// `kubectl get pods`: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES.
///
/// STATUS follows upstream's `printPod`: the phase or status reason, "SchedulingGated", init container
/// progress ("Init:0/1", "Init:CrashLoopBackOff", "Init:ExitCode:1"), the first container's waiting or
/// terminated reason ("ContainerCreating", "CrashLoopBackOff", "Completed", "Signal:9"), "NotReady",
/// "Terminating" and "Unknown" (node lost).
public struct PodPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
        TableColumn(name: "Status", description: "The aggregate status of the containers in this pod."),
        TableColumn(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        ColumnDescriptions.ageColumn,
        TableColumn(name: "IP", priority: 1, description: "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
        TableColumn(name: "Node", priority: 1, description: "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"),
        TableColumn(name: "Nominated Node", priority: 1, description: "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled."),
        TableColumn(name: "Readiness Gates", priority: 1, description: "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"),
    ]

    public func conditions(for pod: JSON) -> [JSON] {
        switch pod.str("status.phase") {
        case "Succeeded":
            return [["type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."]]
        case "Failed":
            return [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]]
        default:
            return []
        }
    }

    public func cells(for pod: JSON, now: Date) -> [JSON] {
        let initContainers = pod.list("spec.initContainers")
        let restartableInit = Set(initContainers.filter { $0.str("restartPolicy") == "Always" }.map { $0.str("name") })
        let totalContainers = pod.list("spec.containers").count + restartableInit.count
        var readyContainers = 0
        var restarts: Int64 = 0
        var restartableInitRestarts: Int64 = 0
        var lastRestart: Timestamp?
        var lastRestartableInitRestart: Timestamp?

        let phase = pod.str("status.phase")
        var reason = pod.str("status.reason").isEmpty ? phase : pod.str("status.reason")
        let conditions = pod.list("status.conditions")
        for c in conditions where c.str("type") == "PodScheduled" && c.str("reason") == "SchedulingGated" {
            reason = "SchedulingGated"
        }

        func later(_ a: Timestamp?, _ b: Timestamp?) -> Timestamp? {
            guard let b else { return a }
            guard let a else { return b }
            return b > a ? b : a
        }

        var initializing = false
        for (i, container) in pod.list("status.initContainerStatuses").enumerated() {
            restarts += container.int("restartCount")
            let finished = Timestamp(container.at("lastState.terminated.finishedAt"))
            if container.obj("lastState.terminated") != nil { lastRestart = later(lastRestart, finished) }
            let isRestartable = restartableInit.contains(container.str("name"))
            if isRestartable {
                restartableInitRestarts += container.int("restartCount")
                if container.obj("lastState.terminated") != nil {
                    lastRestartableInitRestart = later(lastRestartableInitRestart, finished)
                }
            }
            let terminated = container.obj("state.terminated")
            let waitingReason = container.str("state.waiting.reason")
            if let terminated, terminated.int("exitCode") == 0 {
                continue
            } else if isRestartable && container.flag("started") {
                if container.flag("ready") { readyContainers += 1 }
                continue
            } else if let terminated {
                if terminated.str("reason").isEmpty {
                    reason = terminated.int("signal") != 0
                        ? "Init:Signal:\(terminated.int("signal"))" : "Init:ExitCode:\(terminated.int("exitCode"))"
                } else {
                    reason = "Init:" + terminated.str("reason")
                }
            } else if container.obj("state.waiting") != nil, !waitingReason.isEmpty, waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(i)/\(initContainers.count)"
            }
            initializing = true
            break
        }

        let initialized = conditions.first { $0.str("type") == "Initialized" }.map { $0.str("status") == "True" } ?? false
        if !initializing || initialized {
            restarts = restartableInitRestarts
            lastRestart = lastRestartableInitRestart
            var hasRunning = false
            // Upstream walks from the last container to the first, so the first one's reason wins.
            for container in pod.list("status.containerStatuses").reversed() {
                restarts += container.int("restartCount")
                if container.obj("lastState.terminated") != nil {
                    lastRestart = later(lastRestart, Timestamp(container.at("lastState.terminated.finishedAt")))
                }
                let terminated = container.obj("state.terminated")
                if container.obj("state.waiting") != nil, !container.str("state.waiting.reason").isEmpty {
                    reason = container.str("state.waiting.reason")
                } else if let terminated, !terminated.str("reason").isEmpty {
                    reason = terminated.str("reason")
                } else if let terminated {
                    reason = terminated.int("signal") != 0
                        ? "Signal:\(terminated.int("signal"))" : "ExitCode:\(terminated.int("exitCode"))"
                } else if container.flag("ready") && container.obj("state.running") != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            if reason == "Completed" && hasRunning {
                let ready = conditions.contains { $0.str("type") == "Ready" && $0.str("status") == "True" }
                reason = ready ? "Running" : "NotReady"
            }
        }

        let deleting = pod.at("metadata.deletionTimestamp").map { !$0.isNull } ?? false
        if deleting && pod.str("status.reason") == "NodeLost" {
            reason = "Unknown"
        } else if deleting && phase != "Failed" && phase != "Succeeded" {
            reason = "Terminating"
        }

        var restartsText = String(restarts)
        if restarts != 0, let lastRestart {
            restartsText = "\(restarts) (\(translateTimestampSince(lastRestart, now: now)) ago)"
        }

        // The v1 → internal conversion makes status.podIP authoritative over podIPs[0].
        var podIP = pod.str("status.podIP")
        if podIP.isEmpty { podIP = pod.list("status.podIPs").first?.str("ip") ?? "" }
        let nodeName = pod.str("spec.nodeName")
        let nominated = pod.str("status.nominatedNodeName")
        var readinessGates = "<none>"
        let gates = pod.list("spec.readinessGates")
        if !gates.isEmpty {
            var trueConditions = 0
            for gate in gates {
                if let c = conditions.first(where: { $0.str("type") == gate.str("conditionType") }), c.str("status") == "True" {
                    trueConditions += 1
                }
            }
            readinessGates = "\(trueConditions)/\(gates.count)"
        }

        return [
            .string(pod.name), .string("\(readyContainers)/\(totalContainers)"), .string(reason), .string(restartsText),
            .string(translateTimestampSince(pod.creationTimestamp, now: now)),
            .string(podIP.isEmpty ? "<none>" : podIP), .string(nodeName.isEmpty ? "<none>" : nodeName),
            .string(nominated.isEmpty ? "<none>" : nominated), .string(readinessGates),
        ]
    }
}
