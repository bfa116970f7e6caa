import APIMachinery

extension PodSecurityChecks {
    /// Baseline: sharing the host's network, PID or IPC namespace.
    static let hostNamespaces = PodSecurityCheck(id: "hostNamespaces", level: .baseline, versions: [
        .init(0) { pod in
            let shared = ["hostNetwork", "hostPID", "hostIPC"].filter { pod.spec[$0]?.bool == true }
            guard !shared.isEmpty else { return .allowed }
            return .forbidden("host namespaces", shared.map { "\($0)=true" }.joined(separator: ", "))
        },
    ])
}
