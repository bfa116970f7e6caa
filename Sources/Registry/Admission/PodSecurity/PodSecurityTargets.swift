import APIMachinery

/// Which writes PodSecurity looks at, and where their pod is (upstream's `DefaultPodSpecExtractor`).
public enum PodSecurityTargets {
    /// The workload resources whose pod template gets `warn` and `audit` (never `enforce`: the pods they
    /// create are enforced when created), by group and resource, with the path to the template.
    public static let templatePaths: [String: [String]] = [
        "/replicationcontrollers": ["spec", "template"],
        "/podtemplates": ["template"],
        "apps/replicasets": ["spec", "template"],
        "apps/deployments": ["spec", "template"],
        "apps/statefulsets": ["spec", "template"],
        "apps/daemonsets": ["spec", "template"],
        "batch/jobs": ["spec", "template"],
        "batch/cronjobs": ["spec", "jobTemplate", "spec", "template"],
    ]

    /// The pod template of a workload object, or nil when it has none (nothing to evaluate).
    public static func template(group: String, resource: String, _ object: JSON) -> PodSecuritySubject? {
        guard let path = templatePaths["\(group)/\(resource)"], let t = object[path: path], !t.isNull else { return nil }
        return PodSecuritySubject(template: t)
    }

    /// Upstream's `isSignificantPodUpdate`: of a pod's fields only the images (and ephemeral containers)
    /// may change after creation, so an update that changes neither (labels, annotations, status-like
    /// writes by controllers) is allowed without evaluation.
    public static func isSignificantPodUpdate(_ pod: JSON, old: JSON) -> Bool {
        func list(_ p: JSON, _ key: String) -> [JSON] { p[path: ["spec", key]]?.array ?? [] }
        for key in ["containers", "initContainers"] {
            let new = list(pod, key), before = list(old, key)
            if new.count != before.count { return true }
            if zip(new, before).contains(where: { $0["image"] != $1["image"] }) { return true }
        }
        let before = list(old, "ephemeralContainers")
        for c in list(pod, "ephemeralContainers") {
            guard let o = before.first(where: { $0["name"] == c["name"] }) else { return true }
            if o["image"] != c["image"] { return true }
        }
        return false
    }
}
