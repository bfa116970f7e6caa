import APIMachinery

/// A Pod Security Standards level, as a namespace's `pod-security.kubernetes.io/<mode>` label names it.
/// Ordered by strictness: `privileged` < `baseline` < `restricted` (upstream's `CompareLevels`).
public enum PodSecurityLevel: String, Sendable, CaseIterable, Comparable {
    case privileged, baseline, restricted

    private var strictness: Int {
        switch self {
        case .privileged: return 0
        case .baseline: return 1
        case .restricted: return 2
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.strictness < b.strictness }

    /// Upstream's `ParseLevel` message for anything else.
    static let parseError = "must be one of privileged, baseline, restricted"
}

/// The policy version a namespace pins with `...-version` labels: `latest`, or `v1.<minor>`. The checks
/// are versioned by the release that introduced each rule, so `v1.24` evaluates as v1.24 did; versions
/// newer than the newest rule (v1.32) evaluate as `latest`.
public enum PodSecurityVersion: Sendable, Hashable, CustomStringConvertible {
    case latest
    case minor(Int)

    /// Upstream's `ParseVersion`: `latest` or `v1.` followed by a number without leading zeros.
    public init?(parsing text: String) {
        if text == "latest" { self = .latest; return }
        guard text.hasPrefix("v1."), let minor = Int(text.dropFirst(3)), minor >= 0,
              String(minor) == text.dropFirst(3) else { return nil }
        self = .minor(minor)
    }

    public var description: String {
        switch self {
        case .latest: return "latest"
        case .minor(let m): return "v1.\(m)"
        }
    }

    static let parseError = "must be \"latest\" or \"v1.x\""
}

/// A level at a version, printed as upstream prints it in messages: `restricted:latest`.
public struct PodSecurityLevelVersion: Sendable, Hashable, CustomStringConvertible {
    public var level: PodSecurityLevel
    public var version: PodSecurityVersion

    public init(_ level: PodSecurityLevel, _ version: PodSecurityVersion = .latest) {
        self.level = level
        self.version = version
    }

    public var description: String { "\(level.rawValue):\(version)" }

    public static let privileged = PodSecurityLevelVersion(.privileged)
}
