import APIMachinery

/// A namespace's PodSecurity policy: the level (and version) each mode applies. `enforce` refuses a
/// violating pod, `warn` answers with a warning, `audit` annotates the audit event.
public struct PodSecurityPolicy: Sendable, Equatable {
    public var enforce: PodSecurityLevelVersion
    public var audit: PodSecurityLevelVersion
    public var warn: PodSecurityLevelVersion

    public init(enforce: PodSecurityLevelVersion = .privileged, audit: PodSecurityLevelVersion = .privileged,
                warn: PodSecurityLevelVersion = .privileged) {
        self.enforce = enforce
        self.audit = audit
        self.warn = warn
    }

    public static let labelPrefix = "pod-security.kubernetes.io/"
    public static let enforceLabel = "pod-security.kubernetes.io/enforce"
    public static let enforceVersionLabel = "pod-security.kubernetes.io/enforce-version"
    public static let auditLabel = "pod-security.kubernetes.io/audit"
    public static let auditVersionLabel = "pod-security.kubernetes.io/audit-version"
    public static let warnLabel = "pod-security.kubernetes.io/warn"
    public static let warnVersionLabel = "pod-security.kubernetes.io/warn-version"

    /// All three modes privileged: nothing to evaluate.
    public var isFullyPrivileged: Bool {
        enforce.level == .privileged && audit.level == .privileged && warn.level == .privileged
    }

    /// Upstream's `PolicyToEvaluate` over the default policy (privileged:latest everywhere, as the
    /// plugin's defaults are). A policy always comes back, with an error per label that does not parse:
    /// a bad enforce level fails closed (restricted), a bad audit or warn level fails open (privileged),
    /// a bad version reads as latest. Without a `warn` label, `warn` follows a stricter `enforce`, so
    /// workloads whose pods would be refused get a warning when they are written.
    public static func from(labels: [String: String]) -> (policy: PodSecurityPolicy, errors: [FieldError]) {
        var p = PodSecurityPolicy()
        var errors: [FieldError] = []
        func level(_ label: String, failOpen: Bool) -> PodSecurityLevel? {
            guard let text = labels[label] else { return nil }
            if let l = PodSecurityLevel(rawValue: text) { return l }
            errors.append(.invalid("metadata.labels[\(label)]", text, PodSecurityLevel.parseError))
            return failOpen ? .privileged : .restricted
        }
        func version(_ label: String) -> PodSecurityVersion? {
            guard let text = labels[label] else { return nil }
            if let v = PodSecurityVersion(parsing: text) { return v }
            errors.append(.invalid("metadata.labels[\(label)]", text, PodSecurityVersion.parseError))
            return .latest
        }
        var hasEnforceLevel = false
        if let l = level(enforceLabel, failOpen: false) {
            p.enforce.level = l
            hasEnforceLevel = PodSecurityLevel(rawValue: labels[enforceLabel] ?? "") != nil
        }
        if let v = version(enforceVersionLabel) { p.enforce.version = v }
        if let l = level(auditLabel, failOpen: true) { p.audit.level = l }
        if let v = version(auditVersionLabel) { p.audit.version = v }
        let hasWarnLevel = labels[warnLabel] != nil, hasWarnVersion = labels[warnVersionLabel] != nil
        if let l = level(warnLabel, failOpen: true) { p.warn.level = l }
        if let v = version(warnVersionLabel) { p.warn.version = v }
        if !hasWarnLevel && hasEnforceLevel && p.enforce.level > p.warn.level {
            p.warn.level = p.enforce.level
            if !hasWarnVersion { p.warn.version = p.enforce.version }
        }
        return (p, errors)
    }
}
