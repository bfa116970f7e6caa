import APIMachinery

extension PodSecurityChecks {
    /// Baseline: host ports bind the node's addresses.
    static let hostPorts = PodSecurityCheck(id: "hostPorts", level: .baseline, versions: [
        .init(0) { pod in
            var bad: [String] = []
            var ports: Set<String> = []
            for c in pod.containers {
                let used = (c.json["ports"]?.array ?? []).compactMap { $0["hostPort"]?.int }.filter { $0 != 0 }
                if !used.isEmpty {
                    bad.append(c.name)
                    ports.formUnion(used.map { String($0) })
                }
            }
            guard !bad.isEmpty else { return .allowed }
            // Sorted as strings, as upstream's string set lists them.
            let detail = "\(PodSecurityText.containers(bad)) \(PodSecurityText.plural("uses", "use", bad.count)) "
                + "\(PodSecurityText.plural("hostPort", "hostPorts", ports.count)) \(ports.sorted().joined(separator: ", "))"
            return .forbidden("hostPort", detail)
        },
    ])
}
