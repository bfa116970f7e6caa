import APIMachinery

extension PodSecurityChecks {
    /// Baseline: privileged containers disable most security mechanisms.
    static let privileged = PodSecurityCheck(id: "privileged", level: .baseline, versions: [
        .init(0) { pod in
            let bad = pod.containers.filter { $0.context("privileged")?.bool == true }.map(\.name)
            guard !bad.isEmpty else { return .allowed }
            return .forbidden("privileged", "\(PodSecurityText.containers(bad)) must not set securityContext.privileged=true")
        },
    ])
}
