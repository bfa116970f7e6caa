import APIMachinery

extension PodSecurityChecks {
    /// Baseline: only the container SELinux types, and no custom user or role (`container_engine_t`
    /// allowed from v1.31).
    static let seLinuxOptions = PodSecurityCheck(id: "seLinuxOptions", level: .baseline, versions: [
        .init(0) { seLinux($0, allowedTypes: ["", "container_t", "container_init_t", "container_kvm_t"]) },
        .init(31) { seLinux($0, allowedTypes: ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]) },
    ])

    static func seLinux(_ pod: PodSecuritySubject, allowedTypes: Set<String>) -> PodSecurityCheckResult {
        var badTypes: Set<String> = []
        var setUser = false, setRole = false
        func valid(_ opts: JSON) -> Bool {
            var ok = true
            let type = opts["type"]?.string ?? ""
            if !allowedTypes.contains(type) {
                ok = false
                badTypes.insert(type)
            }
            if !(opts["user"]?.string ?? "").isEmpty { ok = false; setUser = true }
            if !(opts["role"]?.string ?? "").isEmpty { ok = false; setRole = true }
            return ok
        }
        var setters: [String] = []
        if let opts = pod.podContext("seLinuxOptions"), !valid(opts) { setters.append("pod") }
        let bad = pod.containers.filter { c in c.context("seLinuxOptions").map { !valid($0) } ?? false }.map(\.name)
        if !bad.isEmpty { setters.append(PodSecurityText.containers(bad)) }
        guard !setters.isEmpty else { return .allowed }
        var data: [String] = []
        if !badTypes.isEmpty {
            data.append("\(PodSecurityText.plural("type", "types", badTypes.count)) \(PodSecurityText.quoted(badTypes.sorted()))")
        }
        if setUser { data.append("user may not be set") }
        if setRole { data.append("role may not be set") }
        return .forbidden("seLinuxOptions", "\(setters.joined(separator: " and ")) set forbidden securityContext.seLinuxOptions: \(data.joined(separator: "; "))")
    }
}
