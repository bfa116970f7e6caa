import APIMachinery
import Foundation

/// Turns what the runtime says about a pod's containers into the pod's `status`, as upstream's kubelet
/// computes it (phase, the five conditions, container statuses).
public enum PodStatusBuilder {
    /// The status of a pod whose runtime reports `runtime`, computed as upstream's `generateAPIPodStatus`:
    /// phase by `getPhase`, then the five conditions, then each container's status.
    public static func status(pod: JSON, runtime: PodRuntimeStatus, hostIP: String, podIP: String, now: String) -> JSON {
        var status = pod["status"] ?? [:]
        let previous = status["conditions"]?.array ?? []
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.string ?? "Always"
        let containers = runtime.containers
        let initDone = runtime.initContainers.allSatisfy { $0.exitCode == 0 }
        let phase = initDone ? self.phase(containers, restartPolicy: restartPolicy) : "Pending"
        let allReady = phase == "Running" && !containers.isEmpty && containers.allSatisfy(\.ready)

        func condition(_ type: String, _ ok: Bool, reason: String? = nil) -> JSON {
            let old = previous.first { $0["type"]?.string == type }
            let s = ok ? "True" : "False"
            var c: JSON = ["type": .string(type), "status": .string(s), "lastProbeTime": .null,
                           "lastTransitionTime": .string((old?["status"]?.string == s ? old?["lastTransitionTime"]?.string : nil) ?? now)]
            if !ok, let reason { c["reason"] = .string(reason) }
            return c
        }
        let terminal = phase == "Succeeded" || phase == "Failed"
        status["conditions"] = [
            condition("PodReadyToStartContainers", runtime.sandboxReady && !terminal),
            condition("Initialized", initDone, reason: "ContainersNotInitialized"),
            condition("Ready", allReady, reason: terminal ? "PodCompleted" : "ContainersNotReady"),
            condition("ContainersReady", allReady, reason: terminal ? "PodCompleted" : "ContainersNotReady"),
            condition("PodScheduled", true),
        ]
        status["phase"] = .string(phase)
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        if !podIP.isEmpty {
            status["podIP"] = .string(podIP)
            status["podIPs"] = [["ip": .string(podIP)]]
        }
        if status["startTime"] == nil { status["startTime"] = .string(now) }
        if runtime.initContainers.isEmpty {
            status["initContainerStatuses"] = nil
        } else {
            status["initContainerStatuses"] = .array(runtime.initContainers.map(containerStatus))
        }
        status["containerStatuses"] = .array(containers.map(containerStatus))
        return status
    }

    /// Upstream's `getPhase`: a container waiting after it has run before (a crash loop) counts as stopped;
    /// one never started yet keeps the pod Pending.
    static func phase(_ containers: [ContainerState], restartPolicy: String) -> String {
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for c in containers {
            switch c.phase {
            case .running: running += 1
            case .terminated(let code, _, _, _):
                stopped += 1
                if code == 0 { succeeded += 1 }
            case .waiting:
                if c.lastTermination != nil { stopped += 1 } else { waiting += 1 }
            }
        }
        if containers.isEmpty || waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if restartPolicy == "Always" { return "Running" }
        if stopped == succeeded { return "Succeeded" }
        if restartPolicy == "Never" { return "Failed" }
        return "Running"
    }

    static func containerStatus(_ c: ContainerState) -> JSON {
        var s: JSON = ["name": .string(c.name), "image": .string(c.image), "imageID": .string(c.imageID),
                       "state": stateJSON(c.phase), "lastState": c.lastTermination.map(stateJSON) ?? [:],
                       "ready": .bool(c.ready), "restartCount": .int(Int64(c.restartCount)), "started": .bool(c.isRunning)]
        if !c.containerID.isEmpty { s["containerID"] = .string(c.containerID) }
        return s
    }

    static func stateJSON(_ phase: ContainerState.Phase) -> JSON {
        switch phase {
        case .waiting(let reason, let message):
            var w: JSON = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            return ["waiting": w]
        case .running(let startedAt):
            return ["running": ["startedAt": .string(startedAt)]]
        case .terminated(let code, let reason, let started, let finished):
            return ["terminated": ["exitCode": .int(Int64(code)), "reason": .string(reason),
                                   "startedAt": .string(started), "finishedAt": .string(finished)]]
        }
    }

    /// The status of a pod whose sandbox is being made: init containers (or, without them, app containers)
    /// waiting in `PodInitializing` / `ContainerCreating`.
    public static func creating(pod: JSON, hostIP: String, now: String) -> JSON {
        func waiting(_ key: String, _ reason: String) -> [ContainerState] {
            (pod[path: ["spec", key]]?.array ?? []).map {
                ContainerState(name: $0["name"]?.string ?? "", image: $0["image"]?.string ?? "", containerID: "",
                               phase: .waiting(reason: reason, message: nil), restartCount: 0, ready: false)
            }
        }
        let hasInit = !(pod[path: ["spec", "initContainers"]]?.array ?? []).isEmpty
        let runtime = PodRuntimeStatus(
            podIP: nil, sandboxReady: false,
            initContainers: waiting("initContainers", "PodInitializing"),
            containers: waiting("containers", hasInit ? "PodInitializing" : "ContainerCreating"))
        return status(pod: pod, runtime: runtime, hostIP: hostIP, podIP: "", now: now)
    }
}

extension PodStatusBuilder {
    /// The status of a pod whose containers cannot be configured: each one not yet running waits in
    /// `CreateContainerConfigError` with the reason.
    public static func configError(pod: JSON, message: String, hostIP: String, now: String) -> JSON {
        var s = creating(pod: pod, hostIP: hostIP, now: now)
        let key = (pod[path: ["spec", "initContainers"]]?.array ?? []).isEmpty ? "containerStatuses" : "initContainerStatuses"
        if let statuses = s[key]?.array {
            s[key] = .array(statuses.map { var c = $0; c["state"] = ["waiting": ["reason": "CreateContainerConfigError", "message": .string(message)]]; return c })
        }
        return s
    }
}

extension PodStatusBuilder {
    /// The final status of a pod whose containers the kubelet killed because it is being deleted (upstream's
    /// terminal status for a deleted pod): a running container ends with exit code 137 (`Error`), one that
    /// never ran with `ContainerStatusUnknown`; the pod is Succeeded only if every container had exited 0,
    /// otherwise Failed. An already terminal pod keeps its status.
    public static func killed(pod: JSON, now: String) -> JSON {
        var status = pod["status"] ?? [:]
        let phase = status["phase"]?.string ?? "Pending"
        if phase == "Succeeded" || phase == "Failed" { return status }
        var allSucceeded = true
        func end(_ s: JSON) -> JSON {
            var s = s
            if let t = s[path: ["state", "terminated"]] {
                if t["exitCode"]?.int != 0 { allSucceeded = false }
                return s
            }
            allSucceeded = false
            if let started = s[path: ["state", "running", "startedAt"]]?.string {
                s["state"] = ["terminated": ["exitCode": 137, "reason": "Error", "startedAt": .string(started), "finishedAt": .string(now)]]
            } else {
                s["state"] = ["terminated": ["exitCode": 137, "reason": "ContainerStatusUnknown",
                                             "message": "The container could not be located when the pod was terminated"]]
            }
            s["ready"] = false
            s["started"] = false
            return s
        }
        let statuses = (status["containerStatuses"]?.array ?? []).map(end)
        if statuses.isEmpty { allSucceeded = false }
        status["containerStatuses"] = .array(statuses)
        if let inits = status["initContainerStatuses"]?.array {
            status["initContainerStatuses"] = .array(inits.map { s in
                var s = s
                if s[path: ["state", "terminated"]] == nil {
                    s["state"] = ["terminated": ["exitCode": 137, "reason": "ContainerStatusUnknown",
                                                 "message": "The container could not be located when the pod was terminated"]]
                }
                return s
            })
        }
        status["phase"] = .string(allSucceeded ? "Succeeded" : "Failed")
        let reason = JSON.string("PodCompleted")
        status["conditions"] = .array((status["conditions"]?.array ?? []).map { c in
            var c = c
            let type = c["type"]?.string ?? ""
            if ["Ready", "ContainersReady", "PodReadyToStartContainers"].contains(type), c["status"]?.string != "False" {
                c["status"] = "False"
                c["lastTransitionTime"] = .string(now)
                if type != "PodReadyToStartContainers" { c["reason"] = reason }
            }
            return c
        })
        return status
    }
}
