import APIMachinery

extension PodSecurityChecks {
    /// Restricted: every container sets `allowPrivilegeEscalation: false` (not required of Windows pods
    /// from v1.25, where the field does not exist).
    static let allowPrivilegeEscalation = PodSecurityCheck(id: "allowPrivilegeEscalation", level: .restricted, versions: [
        .init(8, noPrivilegeEscalation),
        .init(25) { pod in pod.isWindows ? .allowed : noPrivilegeEscalation(pod) },
    ])

    @Sendable static func noPrivilegeEscalation(_ pod: PodSecuritySubject) -> PodSecurityCheckResult {
        let bad = pod.containers.filter { $0.context("allowPrivilegeEscalation")?.bool != false }.map(\.name)
        guard !bad.isEmpty else { return .allowed }
        return .forbidden("allowPrivilegeEscalation != false",
                          "\(PodSecurityText.containers(bad)) must set securityContext.allowPrivilegeEscalation=false")
    }
}
