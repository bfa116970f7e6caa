import APIMachinery

extension PodSecurityChecks {
    /// Restricted: the pod or every container requires a non-root user.
    static let runAsNonRoot = PodSecurityCheck(id: "runAsNonRoot", level: .restricted, versions: [
        .init(0) { pod in
            var setters: [String] = []
            var podNonRoot = false
            if let v = pod.podContext("runAsNonRoot")?.bool {
                if v { podNonRoot = true } else { setters.append("pod") }
            }
            var explicit: [String] = []
            var implicit: [String] = []
            for c in pod.containers {
                if let v = c.context("runAsNonRoot")?.bool {
                    if !v { explicit.append(c.name) }
                } else if !podNonRoot {
                    implicit.append(c.name)
                }
            }
            if !explicit.isEmpty { setters.append(PodSecurityText.containers(explicit)) }
            if !setters.isEmpty {
                return .forbidden("runAsNonRoot != true", "\(setters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false")
            }
            if !implicit.isEmpty {
                return .forbidden("runAsNonRoot != true", "pod or \(PodSecurityText.containers(implicit)) must set securityContext.runAsNonRoot=true")
            }
            return .allowed
        },
    ])

    /// Restricted (from v1.23): no explicit user 0.
    static let runAsUser = PodSecurityCheck(id: "runAsUser", level: .restricted, versions: [
        .init(23) { pod in
            var setters: [String] = []
            if pod.podContext("runAsUser")?.int == 0 { setters.append("pod") }
            let bad = pod.containers.filter { $0.context("runAsUser")?.int == 0 }.map(\.name)
            if !bad.isEmpty { setters.append(PodSecurityText.containers(bad)) }
            guard !setters.isEmpty else { return .allowed }
            return .forbidden("runAsUser=0", "\(setters.joined(separator: " and ")) must not set runAsUser=0")
        },
    ])
}
