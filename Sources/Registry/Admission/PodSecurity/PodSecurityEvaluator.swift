import APIMachinery

/// Evaluates pods against a level and version with the Pod Security Standards checks of upstream
/// v1.32 (`policy.NewEvaluator` over `DefaultChecks`). Failures come back in upstream's order: the
/// baseline checks by ID, then the restricted ones by ID, so messages read as upstream's do.
public struct PodSecurityEvaluator: Sendable {
    public let checks: [PodSecurityCheck]
    /// The newest policy minor any check knows; `latest` and newer versions evaluate at it.
    public let newestMinor: Int

    public init(checks: [PodSecurityCheck] = PodSecurityChecks.all) {
        self.checks = checks
        newestMinor = checks.flatMap { $0.versions.map(\.minimumMinor) }.max() ?? 0
    }

    public static let shared = PodSecurityEvaluator()

    /// The results of every check that applies at `lv`; none for privileged.
    public func evaluate(_ lv: PodSecurityLevelVersion, _ subject: PodSecuritySubject) -> [PodSecurityCheckResult] {
        guard lv.level != .privileged else { return [] }
        let minor: Int
        switch lv.version {
        case .latest: minor = newestMinor
        case .minor(let m): minor = min(m, newestMinor)
        }
        let active = checks.compactMap { c in c.version(at: minor).map { (check: c, version: $0) } }
        let baseline = active.filter { $0.check.level == .baseline }.sorted { $0.check.id < $1.check.id }
        var run = baseline
        if lv.level == .restricted {
            let restricted = active.filter { $0.check.level == .restricted }.sorted { $0.check.id < $1.check.id }
            let overridden = Set(restricted.flatMap(\.version.overrides))
            run = baseline.filter { !overridden.contains($0.check.id) } + restricted
        }
        return run.map { $0.version.evaluate(subject) }
    }

    /// The failures at `lv` as one aggregate, nil when the pod is allowed.
    public func violations(_ lv: PodSecurityLevelVersion, _ subject: PodSecuritySubject) -> PodSecurityViolations? {
        let failed = evaluate(lv, subject).filter { !$0.allowed }
        return failed.isEmpty ? nil : PodSecurityViolations(failed: failed)
    }
}

/// The failed checks of one evaluation (upstream's `AggregateCheckResult`).
public struct PodSecurityViolations: Sendable, Equatable {
    public var failed: [PodSecurityCheckResult]

    /// `host namespaces, privileged`: the reasons only (what namespace-wide warnings list).
    public var reasons: String {
        failed.map { $0.reason.isEmpty ? "unknown forbidden reason" : $0.reason }.joined(separator: ", ")
    }

    /// `privileged (container "c" must not set securityContext.privileged=true), runAsNonRoot != true (...)`.
    public var detail: String {
        failed.map { r in
            let reason = r.reason.isEmpty ? "unknown forbidden reason" : r.reason
            return r.detail.isEmpty ? reason : "\(reason) (\(r.detail))"
        }.joined(separator: ", ")
    }
}
