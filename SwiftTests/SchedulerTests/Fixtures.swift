import APIMachinery
@testable import Scheduler

/// Builders for the JSON objects the API server would deliver, decoded through the real views.
enum Fixtures {
    static func nodeJSON(_ name: String, cpu: String = "4", memory: String = "16Gi", pods: String = "110",
                         labels: [String: String] = [:], taints: [JSON] = [], unschedulable: Bool = false,
                         extra: [String: JSON] = [:]) -> JSON {
        var allocatable: [String: JSON] = ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(pods)]
        for (k, v) in extra { allocatable[k] = v }
        var spec: [String: JSON] = [:]
        if !taints.isEmpty { spec["taints"] = .array(taints) }
        if unschedulable { spec["unschedulable"] = true }
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": JSON.from(labels)],
            "spec": .object(spec),
            "status": ["allocatable": .object(allocatable),
                       "conditions": [["type": "Ready", "status": "True"]]],
        ]
    }

    static func node(_ name: String, cpu: String = "4", memory: String = "16Gi", pods: String = "110",
                     labels: [String: String] = [:], taints: [JSON] = [], unschedulable: Bool = false,
                     extra: [String: JSON] = [:]) -> NodeView {
        try! NodeView(json: nodeJSON(name, cpu: cpu, memory: memory, pods: pods, labels: labels, taints: taints,
                                     unschedulable: unschedulable, extra: extra))
    }

    static let controlPlaneTaint: JSON = ["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]

    /// A pod with one container requesting `cpu` / `memory` (omitted when nil); `spec` entries are merged
    /// into the pod's spec.
    static func podJSON(_ name: String, cpu: String? = nil, memory: String? = nil, namespace: String = "default",
                        nodeName: String? = nil, priority: Int64? = nil, spec: [String: JSON] = [:]) -> JSON {
        var requests: [String: JSON] = [:]
        if let cpu { requests["cpu"] = .string(cpu) }
        if let memory { requests["memory"] = .string(memory) }
        var container: [String: JSON] = ["name": "app", "image": "nginx"]
        if !requests.isEmpty { container["resources"] = ["requests": .object(requests)] }
        var s: [String: JSON] = ["containers": [.object(container)]]
        if let nodeName { s["nodeName"] = .string(nodeName) }
        if let priority { s["priority"] = .int(priority) }
        for (k, v) in spec { s[k] = v }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string("uid-\(name)")],
            "spec": .object(s),
        ]
    }

    static func pod(_ name: String, cpu: String? = nil, memory: String? = nil, namespace: String = "default",
                    nodeName: String? = nil, priority: Int64? = nil, spec: [String: JSON] = [:]) -> PodView {
        try! PodView(json: podJSON(name, cpu: cpu, memory: memory, namespace: namespace, nodeName: nodeName,
                                   priority: priority, spec: spec))
    }

    static func requirement(_ key: String, _ op: String, _ values: [String] = []) -> JSON {
        ["key": .string(key), "operator": .string(op), "values": .array(values.map { .string($0) })]
    }

    /// `spec` entries for a required node affinity with the given terms (each a list of expressions).
    static func requiredAffinity(_ terms: [[JSON]], fields: [[JSON]] = []) -> [String: JSON] {
        var list: [JSON] = terms.map { ["matchExpressions": .array($0)] }
        list += fields.map { ["matchFields": .array($0)] }
        return ["affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": .array(list)]]]]
    }

    static func filter(_ plugin: some FilterPlugin, _ pod: PodView, _ node: NodeView, pods: [PodView] = []) -> Status {
        // nil (fits) reads as `.success` in the assertions.
        plugin.filter(pod: pod, nodeInfo: NodeInfo(node: node, pods: pods), state: CycleState()) ?? .success
    }
}
