import APIMachinery
import Foundation

/// Turns what the runtime says about a pod's containers into the pod's `status`, as upstream's kubelet
/// computes it (phase, the five conditions, container statuses).
public enum PodStatusBuilder {
    public static func status(pod: JSON, containers: [ContainerState], hostIP: String, podIP: String, now: String) -> JSON {
        var status = pod["status"] ?? [:]
        let previous = status["conditions"]?.array ?? []
        let allRunning = !containers.isEmpty && containers.allSatisfy { if case .running = $0.phase { return true }; return false }
        let allReady = allRunning && containers.allSatisfy(\.ready)
        let anyWaiting = containers.contains { if case .waiting = $0.phase { return true }; return false }
        let allTerminated = !containers.isEmpty && containers.allSatisfy { if case .terminated = $0.phase { return true }; return false }
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.string ?? "Always"

        var phase = "Pending"
        if allTerminated && restartPolicy != "Always" {
            let failed = containers.contains { if case .terminated(let code, _, _, _) = $0.phase { return code != 0 }; return false }
            phase = failed && restartPolicy == "Never" ? "Failed" : (failed ? "Running" : "Succeeded")
        } else if !anyWaiting && !containers.isEmpty {
            phase = "Running"
        } else if containers.contains(where: { $0.restartCount > 0 }) {
            phase = "Running"
        }

        func condition(_ type: String, _ ok: Bool, reason: String? = nil) -> JSON {
            let old = previous.first { $0["type"]?.string == type }
            let s = ok ? "True" : "False"
            var c: JSON = ["type": .string(type), "status": .string(s), "lastProbeTime": .null,
                           "lastTransitionTime": .string((old?["status"]?.string == s ? old?["lastTransitionTime"]?.string : nil) ?? now)]
            if !ok, let reason { c["reason"] = .string(reason) }
            return c
        }
        let sandboxReady = !containers.isEmpty
        status["conditions"] = [
            condition("PodReadyToStartContainers", sandboxReady),
            condition("Initialized", true),
            condition("Ready", allReady, reason: "ContainersNotReady"),
            condition("ContainersReady", allReady, reason: "ContainersNotReady"),
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
        status["containerStatuses"] = .array(containers.map(containerStatus))
        return status
    }

    static func containerStatus(_ c: ContainerState) -> JSON {
        var state: JSON
        switch c.phase {
        case .waiting(let reason, let message):
            var w: JSON = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            state = ["waiting": w]
        case .running(let startedAt):
            state = ["running": ["startedAt": .string(startedAt)]]
        case .terminated(let code, let reason, let started, let finished):
            state = ["terminated": ["exitCode": .int(Int64(code)), "reason": .string(reason), "startedAt": .string(started), "finishedAt": .string(finished)]]
        }
        var s: JSON = ["name": .string(c.name), "image": .string(c.image), "imageID": "", "state": state, "lastState": [:],
                       "ready": .bool(c.ready), "restartCount": .int(Int64(c.restartCount)),
                       "started": .bool({ if case .running = c.phase { return true }; return false }())]
        if !c.containerID.isEmpty { s["containerID"] = .string(c.containerID) }
        return s
    }

    /// The status of a pod whose sandbox is being made: every container waiting in ContainerCreating.
    public static func creating(pod: JSON, hostIP: String, now: String) -> JSON {
        let containers = (pod[path: ["spec", "containers"]]?.array ?? []).map {
            ContainerState(name: $0["name"]?.string ?? "", image: $0["image"]?.string ?? "", containerID: "",
                           phase: .waiting(reason: "ContainerCreating", message: nil), restartCount: 0, ready: false)
        }
        var s = status(pod: pod, containers: containers, hostIP: hostIP, podIP: "", now: now)
        s["phase"] = "Pending"
        var conds = s["conditions"]?.array ?? []
        if let i = conds.firstIndex(where: { $0["type"]?.string == "PodReadyToStartContainers" }) { conds[i]["status"] = "False" }
        s["conditions"] = .array(conds)
        return s
    }
}
