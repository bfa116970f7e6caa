import APIMachinery

extension PodSecurityChecks {
    /// The namespaced sysctls isolated from other pods, as each release widened the set.
    static let safeSysctls: [(minor: Int, names: [String])] = [
        (0, ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
             "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]),
        (27, ["net.ipv4.ip_local_reserved_ports"]),
        (29, ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
              "net.ipv4.tcp_keepalive_probes"]),
        (32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
    ]

    /// Baseline: only the safe sysctls.
    static let sysctls = PodSecurityCheck(id: "sysctls", level: .baseline, versions: safeSysctls.map { step in
        let allowed = Set(safeSysctls.filter { $0.minor <= step.minor }.flatMap(\.names))
        return PodSecurityCheck.Version(step.minor) { pod in
            let bad = (pod.podContext("sysctls")?.array ?? []).compactMap { $0["name"]?.string }.filter { !allowed.contains($0) }
            return bad.isEmpty ? .allowed : .forbidden("forbidden sysctls", bad.joined(separator: ", "))
        }
    })
}
