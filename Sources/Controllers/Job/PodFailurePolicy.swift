import APIMachinery

/// A Job's `podFailurePolicy` applied to one failed pod (upstream's `matchPodFailurePolicy`): the first
/// rule whose exit codes or pod conditions match decides.
enum PodFailurePolicy {
    struct Match: Equatable {
        /// The Job's failure message, for a FailJob rule.
        var failJobMessage: String?
        /// Whether the failure counts toward backoffLimit (false for Ignore).
        var countFailed: Bool
        /// The matching rule's action (nil when no rule matched).
        var action: String?
    }

    static func match(_ policy: JSON?, pod: JSON) -> Match {
        guard let policy else { return Match(failJobMessage: nil, countFailed: true, action: nil) }
        for (index, rule) in (policy["rules"]?.array ?? []).enumerated() {
            let action = rule["action"]?.string ?? ""
            if let onExit = rule["onExitCodes"], !onExit.isNull {
                guard let (container, code) = matchExitCodes(onExit, pod) else { continue }
                switch action {
                case "Ignore": return Match(failJobMessage: nil, countFailed: false, action: action)
                case "FailJob":
                    let msg = "Container \(container) for pod \(pod.namespace)/\(pod.name) failed with exit code \(code) matching FailJob rule at index \(index)"
                    return Match(failJobMessage: msg, countFailed: true, action: action)
                default: return Match(failJobMessage: nil, countFailed: true, action: action)
                }
            } else if let onConditions = rule["onPodConditions"]?.array {
                guard let type = matchConditions(onConditions, pod) else { continue }
                switch action {
                case "Ignore": return Match(failJobMessage: nil, countFailed: false, action: action)
                case "FailJob":
                    let msg = "Pod \(pod.namespace)/\(pod.name) has condition \(type) matching FailJob rule at index \(index)"
                    return Match(failJobMessage: msg, countFailed: true, action: action)
                default: return Match(failJobMessage: nil, countFailed: true, action: action)
                }
            }
        }
        return Match(failJobMessage: nil, countFailed: true, action: nil)
    }

    /// The first container (init containers after app containers, as upstream) that terminated with a
    /// non-zero code the requirement matches.
    static func matchExitCodes(_ req: JSON, _ pod: JSON) -> (String, Int64)? {
        let op = req["operator"]?.string ?? "In"
        let values = Set((req["values"]?.array ?? []).compactMap(\.int))
        let only = req["containerName"]?.string
        for key in ["containerStatuses", "initContainerStatuses"] {
            for s in pod[path: ["status", key]]?.array ?? [] {
                guard let code = s[path: ["state", "terminated", "exitCode"]]?.int, code != 0 else { continue }
                let name = s["name"]?.string ?? ""
                if let only, only != name { continue }
                let hit = op == "In" ? values.contains(code) : (op == "NotIn" ? !values.contains(code) : false)
                if hit { return (name, code) }
            }
        }
        return nil
    }

    static func matchConditions(_ patterns: [JSON], _ pod: JSON) -> String? {
        for c in pod[path: ["status", "conditions"]]?.array ?? [] {
            for p in patterns where p["type"]?.string == c["type"]?.string && (p["status"]?.string ?? "True") == c["status"]?.string {
                return c["type"]?.string
            }
        }
        return nil
    }
}
