import APIMachinery

extension PodSecurityChecks {
    /// The capabilities a container runtime grants by default; baseline lets a container add only these.
    static let defaultCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    /// Baseline: no capability beyond the runtime's default set.
    static let capabilitiesBaseline = PodSecurityCheck(id: "capabilities_baseline", level: .baseline, versions: [
        .init(0) { pod in
            var bad: [String] = []
            var added: Set<String> = []
            for c in pod.containers {
                guard let caps = c.context("capabilities") else { continue }
                let extra = (caps["add"]?.array ?? []).compactMap(\.string).filter { !defaultCapabilities.contains($0) }
                if !extra.isEmpty {
                    bad.append(c.name)
                    added.formUnion(extra)
                }
            }
            guard !bad.isEmpty else { return .allowed }
            return .forbidden("non-default capabilities",
                              "\(PodSecurityText.containers(bad)) must not include \(PodSecurityText.quoted(added.sorted())) in securityContext.capabilities.add")
        },
    ])

    /// Restricted: every container drops ALL and may add back only NET_BIND_SERVICE (not for Windows
    /// pods from v1.25, whose API validation forbids capabilities).
    static let capabilitiesRestricted = PodSecurityCheck(id: "capabilities_restricted", level: .restricted, versions: [
        .init(22, overrides: ["capabilities_baseline"], restrictedCapabilities),
        .init(25, overrides: ["capabilities_baseline"]) { pod in pod.isWindows ? .allowed : restrictedCapabilities(pod) },
    ])

    @Sendable static func restrictedCapabilities(_ pod: PodSecuritySubject) -> PodSecurityCheckResult {
        var missingDropAll: [String] = []
        var adding: [String] = []
        var forbidden: Set<String> = []
        for c in pod.containers {
            guard let caps = c.context("capabilities") else {
                missingDropAll.append(c.name)
                continue
            }
            if !(caps["drop"]?.array ?? []).contains(where: { $0.string == "ALL" }) { missingDropAll.append(c.name) }
            let extra = (caps["add"]?.array ?? []).compactMap(\.string).filter { $0 != "NET_BIND_SERVICE" }
            if !extra.isEmpty {
                adding.append(c.name)
                forbidden.formUnion(extra)
            }
        }
        var details: [String] = []
        if !missingDropAll.isEmpty {
            details.append("\(PodSecurityText.containers(missingDropAll)) must set securityContext.capabilities.drop=[\"ALL\"]")
        }
        if !adding.isEmpty {
            details.append("\(PodSecurityText.containers(adding)) must not include \(PodSecurityText.quoted(forbidden.sorted())) in securityContext.capabilities.add")
        }
        guard !details.isEmpty else { return .allowed }
        return .forbidden("unrestricted capabilities", details.joined(separator: "; "))
    }
}
