import APIMachinery

/// Where a DaemonSet's pods belong (upstream's `NodeShouldRunDaemonPod` and `daemon/util`): every node
/// the template's node name, node selector and required node affinity accept and whose NoSchedule and
/// NoExecute taints the pod tolerates, counting the tolerations every daemon pod gets.
enum DaemonPodPlacement {
    static let nameField = "metadata.name"

    /// The tolerations added to every daemon pod (upstream's `AddOrUpdateDaemonPodTolerations`): it
    /// survives a node going not-ready or unreachable, and runs on nodes under pressure or cordoned.
    static func defaultTolerations(hostNetwork: Bool) -> [JSON] {
        var t: [JSON] = [
            ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"],
            ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"],
            ["key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"],
            ["key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"],
            ["key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"],
            ["key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"],
        ]
        if hostNetwork { t.append(["key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"]) }
        return t
    }

    /// Adds the default tolerations to a pod spec; one with the same key, operator, value and effect is
    /// replaced (upstream's `AddOrUpdateTolerationInPodSpec`).
    static func addDefaultTolerations(_ spec: inout JSON) {
        var list = spec["tolerations"]?.array ?? []
        for wanted in defaultTolerations(hostNetwork: spec["hostNetwork"]?.bool ?? false) {
            func same(_ a: JSON) -> Bool {
                (a["key"]?.string ?? "") == (wanted["key"]?.string ?? "") && (a["effect"]?.string ?? "") == (wanted["effect"]?.string ?? "")
                    && (a["operator"]?.string ?? "") == (wanted["operator"]?.string ?? "") && (a["value"]?.string ?? "") == ""
            }
            if let i = list.firstIndex(where: same) {
                list[i] = wanted
            } else {
                list.append(wanted)
            }
        }
        spec["tolerations"] = .array(list)
    }

    /// Pins the pod to `node` with a required `matchFields metadata.name In [node]` term replacing any
    /// other required terms (upstream's `ReplaceDaemonSetPodNodeNameNodeAffinity`): the scheduler then
    /// binds it there, honouring everything else about the pod.
    static func pin(_ spec: inout JSON, to node: String) {
        let term: JSON = ["matchFields": [["key": .string(nameField), "operator": "In", "values": [.string(node)]]]]
        spec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]] = ["nodeSelectorTerms": [term]]
    }

    /// The node a daemon pod is for: `spec.nodeName`, else its `matchFields metadata.name In [node]`
    /// (upstream's `GetTargetNodeName`).
    static func targetNode(_ pod: JSON) -> String? {
        if let n = pod[path: ["spec", "nodeName"]]?.string, !n.isEmpty { return n }
        let terms = pod[path: ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"]]?.array ?? []
        for term in terms {
            for r in term["matchFields"]?.array ?? [] where r["key"]?.string == nameField && r["operator"]?.string == "In" {
                let values = r["values"]?.array ?? []
                return values.count == 1 ? values[0].string : nil
            }
        }
        return nil
    }

    // MARK: Should a node run the pod

    /// (should run a new pod, should keep a running one) for `node` (upstream's `NodeShouldRunDaemonPod`):
    /// a node whose untolerated taints are only NoSchedule keeps the pod it has.
    static func shouldRun(_ ds: JSON, on node: JSON) -> (run: Bool, keep: Bool) {
        var spec = ds[path: ["spec", "template", "spec"]] ?? [:]
        let nodeName = node.name
        if let n = spec["nodeName"]?.string, !n.isEmpty, n != nodeName { return (false, false) }
        addDefaultTolerations(&spec)
        guard requiredAffinityMatches(spec, node) else { return (false, false) }
        let taints = node[path: ["spec", "taints"]]?.array ?? []
        let tolerations = spec["tolerations"]?.array ?? []
        func untolerated(_ effects: Set<String>) -> Bool {
            taints.contains { t in effects.contains(t["effect"]?.string ?? "") && !tolerations.contains { Taints.tolerates($0, t) } }
        }
        if untolerated(["NoSchedule", "NoExecute"]) { return (false, !untolerated(["NoExecute"])) }
        return (true, true)
    }

    /// `nodeSelector` and the required node affinity terms (upstream's `GetRequiredNodeAffinity().Match`).
    static func requiredAffinityMatches(_ spec: JSON, _ node: JSON) -> Bool {
        let labels = node.labels
        for (k, v) in spec["nodeSelector"]?.stringMap ?? [:] where labels[k] != v { return false }
        guard let required = spec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]], !required.isNull else {
            return true
        }
        let terms = required["nodeSelectorTerms"]?.array ?? []
        return terms.contains { termMatches($0, labels: labels, name: node.name) }
    }

    /// A term's expressions and fields all match; an empty or unparsable term matches nothing.
    static func termMatches(_ term: JSON, labels: [String: String], name: String) -> Bool {
        let expressions = term["matchExpressions"]?.array ?? [], fields = term["matchFields"]?.array ?? []
        if expressions.isEmpty && fields.isEmpty { return false }
        for r in expressions {
            guard let ok = expressionMatches(r, labels) else { return false }
            if !ok { return false }
        }
        for r in fields {
            let values = (r["values"]?.array ?? []).compactMap(\.string)
            guard values.count == 1 else { return false }
            let actual = r["key"]?.string == nameField ? name : ""
            switch r["operator"]?.string {
            case "In": if actual != values[0] { return false }
            case "NotIn": if actual == values[0] { return false }
            default: return false
            }
        }
        return true
    }

    /// nil when the requirement is malformed (upstream then matches nothing).
    static func expressionMatches(_ r: JSON, _ labels: [String: String]) -> Bool? {
        let key = r["key"]?.string ?? ""
        let values = (r["values"]?.array ?? []).compactMap(\.string)
        let value = labels[key]
        switch r["operator"]?.string {
        case "In":
            guard !values.isEmpty else { return nil }
            return value.map(values.contains) ?? false
        case "NotIn":
            guard !values.isEmpty else { return nil }
            return value.map { !values.contains($0) } ?? true
        case "Exists":
            guard values.isEmpty else { return nil }
            return value != nil
        case "DoesNotExist":
            guard values.isEmpty else { return nil }
            return value == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]) else { return nil }
            guard let v = value.flatMap({ Int64($0) }) else { return false }
            return r["operator"]?.string == "Gt" ? v > bound : v < bound
        default:
            return nil
        }
    }
}
