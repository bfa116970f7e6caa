import APIMachinery

extension PodSecurityChecks {
    /// Baseline: the default /proc masks stay (`procMount` unset or `Default`).
    static let procMount = PodSecurityCheck(id: "procMount", level: .baseline, versions: [
        .init(0) { pod in
            var bad: [String] = []
            var types: Set<String> = []
            for c in pod.containers {
                guard let mount = c.context("procMount")?.string, mount != "Default" else { continue }
                bad.append(c.name)
                types.insert(mount)
            }
            guard !bad.isEmpty else { return .allowed }
            return .forbidden("procMount", "\(PodSecurityText.containers(bad)) must not set securityContext.procMount to \(PodSecurityText.quoted(types.sorted()))")
        },
    ])
}
