import APIMachinery

/// The warnings upstream gives when a namespace's enforce level is tightened: which existing pods the
/// new level would refuse (they keep running), grouped by their failed checks.
public enum PodSecurityNamespaceReview {
    /// Upstream checks at most this many pods.
    public static let maxPods = 3000

    /// Whether a change of policy calls for the review: enforce changed to something stricter than
    /// privileged, and not merely relaxed at the same version.
    public static func isNeeded(old: PodSecurityPolicy, new: PodSecurityPolicy) -> Bool {
        if new.enforce == old.enforce || new.enforce.level == .privileged { return false }
        if new.enforce.version == old.enforce.version && new.enforce.level <= old.enforce.level { return false }
        return true
    }

    /// `existing pods in namespace "ns" violate the new PodSecurity enforce level "restricted:latest"`,
    /// then one line per distinct set of failed checks: `web-1 (and 2 other pods): privileged, ...`.
    public static func warnings(namespace: String, enforce: PodSecurityLevelVersion, pods: [JSON],
                                evaluator: PodSecurityEvaluator = .shared) -> [String] {
        var warnings: [String] = []
        let checked = pods.prefix(maxPods)
        if checked.count < pods.count {
            warnings.append("new PodSecurity enforce level only checked against the first \(checked.count) of \(pods.count) existing pods")
        }
        var order: [String] = []
        var byReasons: [String: (first: String, count: Int)] = [:]
        for pod in checked {
            guard let v = evaluator.violations(enforce, PodSecuritySubject(template: pod)) else { continue }
            let name = pod[path: ["metadata", "name"]]?.string ?? ""
            if let seen = byReasons[v.reasons] {
                byReasons[v.reasons] = (min(seen.first, name), seen.count + 1)
            } else {
                order.append(v.reasons)
                byReasons[v.reasons] = (name, 1)
            }
        }
        guard !order.isEmpty else { return warnings }
        warnings.append("existing pods in namespace \(GoQuoting.quote(namespace)) violate the new PodSecurity enforce level \(GoQuoting.quote(enforce.description))")
        let lines = order.map { reasons -> String in
            let c = byReasons[reasons]!
            switch c.count {
            case 1: return "\(c.first): \(reasons)"
            case 2: return "\(c.first) (and 1 other pod): \(reasons)"
            default: return "\(c.first) (and \(c.count - 1) other pods): \(reasons)"
            }
        }
        return warnings + lines.sorted()
    }
}
