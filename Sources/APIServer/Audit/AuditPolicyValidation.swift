import APIMachinery

/// Upstream's `ValidatePolicy`: the policy's and each rule's `omitStages`, each rule's level,
/// non-resource URLs and resources, and that no rule names both resources and non-resource URLs.
enum AuditPolicyValidation {
    static let stageNames = AuditStage.allCases.map(\.rawValue)

    /// `levels` and `badStages` are what `PolicyReader` kept as written.
    static func errors(_ policy: AuditPolicy, levels: [String], badStages: [(field: String, value: String)]) -> [FieldError] {
        var errors: [FieldError] = []
        errors += stageErrors(badStages.filter { !$0.field.hasPrefix("rules[") })
        for (i, rule) in policy.rules.enumerated() {
            let path = "rules[\(i)]"
            let level = i < levels.count ? levels[i] : rule.level.rawValue
            if level.isEmpty {
                errors.append(.required(path + ".level"))
            } else if AuditLevel(rawValue: level) == nil {
                errors.append(.notSupported(path + ".level", level, supported: AuditLevel.allCases.map(\.rawValue)))
            }
            for (j, url) in rule.nonResourceURLs.enumerated() where url != "*" {
                let field = "\(path).nonResourceURLs[\(j)]"
                if !url.hasPrefix("/") {
                    errors.append(.invalid(field, url, "non-resource URL rules must begin with a '/' character"))
                }
                if !url.isEmpty, url.dropLast().contains("*") {
                    errors.append(.invalid(field, url, "non-resource URL wildcards '*' must be the final character of the rule"))
                }
            }
            for resources in rule.resources {
                if !resources.group.isEmpty {
                    let problems = NameValidation.dns1123SubdomainErrors(resources.group)
                    if !problems.isEmpty {
                        errors.append(.invalid(path + ".resources.group", resources.group, problems.joined(separator: ",")))
                    }
                }
                if !resources.resourceNames.isEmpty && resources.resources.isEmpty {
                    errors.append(FieldError(.invalid, path + ".resources.resourceNames", value: goStrings(resources.resourceNames),
                                             detail: "using resourceNames requires at least one resource"))
                }
            }
            errors += stageErrors(badStages.filter { $0.field.hasPrefix(path + ".") })
            if !rule.nonResourceURLs.isEmpty && (!rule.resources.isEmpty || !rule.namespaces.isEmpty) {
                errors.append(FieldError(.invalid, path + ".nonResourceURLs", value: goStrings(rule.nonResourceURLs),
                                         detail: "rules cannot apply to both regular resources and non-resource URLs"))
            }
        }
        return errors
    }

    private static func stageErrors(_ bad: [(field: String, value: String)]) -> [FieldError] {
        bad.map { .invalid($0.field, $0.value, "allowed stages are " + stageNames.joined(separator: ",")) }
    }

    /// A string list as Go's `%#v` prints it in a field error: `[]string{"/metrics", "/healthz"}`.
    static func goStrings(_ values: [String]) -> String {
        "[]string{" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
    }
}
