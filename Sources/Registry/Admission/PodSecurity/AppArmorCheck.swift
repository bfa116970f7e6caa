import APIMachinery

extension PodSecurityChecks {
    static let appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

    /// Baseline: no AppArmor profile but the runtime's default or a local one, by field or by the
    /// deprecated per-container annotation.
    static let appArmorProfile = PodSecurityCheck(id: "appArmorProfile", level: .baseline, versions: [
        .init(0) { pod in
            func allowedType(_ t: String) -> Bool { t == "RuntimeDefault" || t == "Localhost" }
            var setters: [String] = []
            var values: Set<String> = []
            if let p = pod.podContext("appArmorProfile") {
                let t = p["type"]?.string ?? ""
                if !allowedType(t) {
                    setters.append("pod")
                    values.insert(t)
                }
            }
            var bad: [String] = []
            for c in pod.containers {
                guard let p = c.context("appArmorProfile") else { continue }
                let t = p["type"]?.string ?? ""
                if !allowedType(t) {
                    bad.append(c.name)
                    values.insert(t)
                }
            }
            if !bad.isEmpty { setters.append(PodSecurityText.containers(bad)) }
            var valueList = values.sorted()
            let annotations = pod.annotations.filter { k, v in
                k.hasPrefix(appArmorAnnotationPrefix) && !(v.isEmpty || v == "runtime/default" || v.hasPrefix("localhost/"))
            }.map { "\($0.key)=\(GoQuoting.quote($0.value))" }.sorted()
            if !annotations.isEmpty {
                valueList += annotations
                setters.append(PodSecurityText.plural("annotation", "annotations", annotations.count))
            }
            guard !setters.isEmpty else { return .allowed }
            return .forbidden(PodSecurityText.plural("forbidden AppArmor profile", "forbidden AppArmor profiles", valueList.count),
                              "\(setters.joined(separator: " and ")) must not set AppArmor profile type to \(PodSecurityText.quoted(valueList))")
        },
    ])
}
