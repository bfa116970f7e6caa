import APIMachinery
import Foundation

/// The kubelet's view of its own Node: what it registers and what its status says.
public struct NodeConfig: Sendable {
    public var name: String
    public var podCIDR: String
    public var internalIP: String
    public var labels: [String: String]
    public var taints: [JSON]
    public var runtimeVersion: String
    public var kubeletVersion = "v1.32.0-skiff"
    /// The port of the kubelet's HTTPS endpoint, reported as `status.daemonEndpoints.kubeletEndpoint.Port`
    /// (the API server dials it for logs, exec, attach and port-forward).
    public var kubeletPort = 10250
    public var facts: NodeFacts
    /// The directory whose file system DiskPressure watches (the kubelet's root); nil: never under pressure.
    public var nodeFilesystem: String?

    public init(name: String, podCIDR: String, internalIP: String, labels: [String: String] = [:], taints: [JSON] = [],
                runtimeVersion: String, facts: NodeFacts = .current()) {
        self.name = name
        self.podCIDR = podCIDR
        self.internalIP = internalIP
        self.labels = labels
        self.taints = taints
        self.runtimeVersion = runtimeVersion
        self.facts = facts
    }

    /// Upstream's well-known node labels plus the configured ones.
    var allLabels: [String: String] {
        var l = [
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": facts.architecture,
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": facts.architecture,
        ]
        for (k, v) in labels { l[k] = v }
        return l
    }

    /// The Node a kubelet creates when it registers.
    public func registration(now: String) -> JSON {
        var spec: JSON = ["podCIDR": .string(podCIDR), "podCIDRs": [.string(podCIDR)]]
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": .from(allLabels),
                         "annotations": ["node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"]],
            "spec": spec,
            "status": status(ready: true, now: now, previous: nil),
        ]
    }

    /// Node status with the four conditions upstream reports; transition times kept from `previous`.
    public func status(ready: Bool, now: String, previous: JSON?) -> JSON {
        let memory = facts.memoryBytes
        let memKi = memory / 1024
        let allocKi = memKi > 102_400 ? memKi - 102_400 : memKi  // upstream's default hard eviction threshold: 100Mi
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String) -> JSON {
            let old = previous?["conditions"]?.array?.first { $0["type"]?.string == type }
            let transition = (old?["status"]?.string == status ? old?["lastTransitionTime"]?.string : nil) ?? now
            return ["type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
                    "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(transition)]
        }
        return [
            "capacity": ["cpu": .string(String(facts.cpuCores)), "memory": .string("\(memKi)Ki"), "pods": .string(String(facts.maxPods)),
                         "ephemeral-storage": "61202244Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"],
            "allocatable": ["cpu": .string(String(facts.cpuCores)), "memory": .string("\(allocKi)Ki"), "pods": .string(String(facts.maxPods)),
                            "ephemeral-storage": "61202244Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"],
            "conditions": [
                condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                nodeFilesystem.map(DiskPressure.check(path:)) == true
                    ? condition("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure")
                    : condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ready ? condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
                    : condition("Ready", "False", "KubeletNotReady", "container runtime is not ready"),
            ],
            "addresses": [["type": "InternalIP", "address": .string(internalIP)], ["type": "Hostname", "address": .string(name)]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(kubeletPort))]],
            "nodeInfo": [
                "machineID": .string(facts.machineID), "systemUUID": .string(facts.machineID), "bootID": .string(facts.bootID),
                "kernelVersion": .string(facts.kernelVersion), "osImage": .string(facts.osImage),
                "containerRuntimeVersion": .string(runtimeVersion), "kubeletVersion": .string(kubeletVersion),
                "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": .string(facts.architecture),
            ],
        ]
    }
}
