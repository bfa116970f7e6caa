import APIMachinery

extension PodSecurityChecks {
    static let seccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod"
    static let seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"

    static func validSeccompType(_ t: String) -> Bool { t == "RuntimeDefault" || t == "Localhost" }

    /// Baseline: a seccomp profile, when set, is the runtime's default or a local one (by annotation
    /// before v1.19, by field since).
    static let seccompProfileBaseline = PodSecurityCheck(id: "seccompProfile_baseline", level: .baseline, versions: [
        .init(0) { pod in
            func valid(_ v: String) -> Bool { v == "runtime/default" || v == "docker/default" || v.hasPrefix("localhost/") }
            var bad: Set<String> = []
            if let v = pod.annotations[seccompPodAnnotation], !valid(v) { bad.insert("\(seccompPodAnnotation)=\(GoQuoting.quote(v))") }
            for c in pod.containers {
                let key = seccompContainerAnnotationPrefix + c.name
                if let v = pod.annotations[key], !valid(v) { bad.insert("\(key)=\(GoQuoting.quote(v))") }
            }
            guard !bad.isEmpty else { return .allowed }
            return .forbidden("seccompProfile", "forbidden \(PodSecurityText.plural("annotation", "annotations", bad.count)) \(bad.sorted().joined(separator: ", "))")
        },
        .init(19) { pod in seccomp(pod, required: false) },
    ])

    /// Restricted: the pod or every container sets RuntimeDefault or Localhost (not required of Windows
    /// pods from v1.25).
    static let seccompProfileRestricted = PodSecurityCheck(id: "seccompProfile_restricted", level: .restricted, versions: [
        .init(19, overrides: ["seccompProfile_baseline"]) { pod in seccomp(pod, required: true) },
        .init(25, overrides: ["seccompProfile_baseline"]) { pod in pod.isWindows ? .allowed : seccomp(pod, required: true) },
    ])

    /// Profiles set to a bad type fail both levels; `required` also fails containers left without a
    /// valid profile of their own or the pod's.
    static func seccomp(_ pod: PodSecuritySubject, required: Bool) -> PodSecurityCheckResult {
        var setters: [String] = []
        var values: Set<String> = []
        var podSet = false
        if let p = pod.podContext("seccompProfile") {
            let t = p["type"]?.string ?? ""
            if validSeccompType(t) { podSet = true } else {
                setters.append("pod")
                values.insert(t)
            }
        }
        var explicit: [String] = []
        var implicit: [String] = []
        for c in pod.containers {
            if let p = c.context("seccompProfile") {
                let t = p["type"]?.string ?? ""
                if !validSeccompType(t) {
                    explicit.append(c.name)
                    values.insert(t)
                }
            } else if !podSet {
                implicit.append(c.name)
            }
        }
        if !explicit.isEmpty { setters.append(PodSecurityText.containers(explicit)) }
        if !setters.isEmpty {
            return .forbidden("seccompProfile", "\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \(PodSecurityText.quoted(values.sorted()))")
        }
        if required && !implicit.isEmpty {
            return .forbidden("seccompProfile", "pod or \(PodSecurityText.containers(implicit)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
        }
        return .allowed
    }
}
