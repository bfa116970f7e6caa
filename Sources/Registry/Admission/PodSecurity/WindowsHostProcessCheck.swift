import APIMachinery

extension PodSecurityChecks {
    /// Baseline: Windows HostProcess containers run with the host's privileges.
    static let windowsHostProcess = PodSecurityCheck(id: "windowsHostProcess", level: .baseline, versions: [
        .init(0) { pod in
            var setters: [String] = []
            if pod.podContext("windowsOptions", "hostProcess")?.bool == true { setters.append("pod") }
            let bad = pod.containers.filter { $0.context("windowsOptions", "hostProcess")?.bool == true }.map(\.name)
            if !bad.isEmpty { setters.append(PodSecurityText.containers(bad)) }
            guard !setters.isEmpty else { return .allowed }
            return .forbidden("hostProcess", "\(setters.joined(separator: " and ")) must not set securityContext.windowsOptions.hostProcess=true")
        },
    ])
}
