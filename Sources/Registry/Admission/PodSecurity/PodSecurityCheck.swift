import APIMachinery

/// What one check says about a pod: allowed, or the short reason every message shows and the detail
/// (which containers, which values) shown in parentheses after it.
public struct PodSecurityCheckResult: Sendable, Equatable {
    public var allowed: Bool
    public var reason: String
    public var detail: String

    public static let allowed = PodSecurityCheckResult(allowed: true, reason: "", detail: "")

    public static func forbidden(_ reason: String, _ detail: String) -> PodSecurityCheckResult {
        PodSecurityCheckResult(allowed: false, reason: reason, detail: detail)
    }
}

/// One rule of the Pod Security Standards (upstream's `policy.Check`), with one implementation per
/// policy version that changed it. A restricted check may override the baseline check it tightens
/// (restricted volume types replace the hostPath check), so restricted reports each problem once.
public struct PodSecurityCheck: Sendable {
    public typealias Evaluate = @Sendable (PodSecuritySubject) -> PodSecurityCheckResult

    /// One version of the rule: in force from `v1.<minimumMinor>` until the next one.
    public struct Version: Sendable {
        public var minimumMinor: Int
        public var evaluate: Evaluate
        public var overrides: [String]

        public init(_ minimumMinor: Int, overrides: [String] = [], _ evaluate: @escaping Evaluate) {
            self.minimumMinor = minimumMinor
            self.overrides = overrides
            self.evaluate = evaluate
        }
    }

    /// Upstream's check ID; messages list failures sorted by it (baseline checks first).
    public var id: String
    public var level: PodSecurityLevel
    /// Increasing `minimumMinor`.
    public var versions: [Version]

    public init(id: String, level: PodSecurityLevel, versions: [Version]) {
        self.id = id
        self.level = level
        self.versions = versions
    }

    /// The version in force at policy minor `minor`, or nil before the rule existed.
    func version(at minor: Int) -> Version? {
        versions.last { $0.minimumMinor <= minor }
    }
}

/// The part of a pod (or of a workload's pod template) the checks read: its annotations and spec.
public struct PodSecuritySubject: Sendable {
    public var annotations: [String: String]
    public var spec: JSON

    public init(annotations: [String: String], spec: JSON) {
        self.annotations = annotations
        self.spec = spec
    }

    /// A pod, or a pod template (`metadata` + `spec`).
    public init(template: JSON) {
        self.init(annotations: template[path: ["metadata", "annotations"]]?.stringMap ?? [:],
                  spec: template["spec"] ?? [:])
    }

    /// One container as the checks see it; ephemeral containers have the same fields.
    public struct Container: Sendable {
        public var name: String
        public var securityContext: JSON?
        public var json: JSON

        /// `securityContext.<path>` when set and not null.
        func context(_ path: String...) -> JSON? {
            guard let sc = securityContext else { return nil }
            return PodSecuritySubject.present(sc[path: path])
        }
    }

    /// Upstream's `visitContainers` order: init containers, containers, then ephemeral containers.
    public var containers: [Container] {
        ["initContainers", "containers", "ephemeralContainers"].flatMap { key in
            (spec[key]?.array ?? []).map { c in
                Container(name: c["name"]?.string ?? "", securityContext: Self.present(c["securityContext"]), json: c)
            }
        }
    }

    /// `spec.securityContext.<path>` when set and not null.
    func podContext(_ path: String...) -> JSON? {
        Self.present(spec[path: ["securityContext"] + path])
    }

    /// A field that is set: absent and `null` both read as unset, as a Go nil pointer.
    static func present(_ value: JSON?) -> JSON? {
        guard let value, !value.isNull else { return .none }
        return value
    }

    /// `spec.os.name: windows`: the Linux-only restricted rules do not apply (from policy v1.25).
    var isWindows: Bool { spec[path: ["os", "name"]]?.string == "windows" }
}

/// The wording helpers every check's detail uses (upstream's `pluralize` and `joinQuote`).
enum PodSecurityText {
    static func plural(_ singular: String, _ plural: String, _ count: Int) -> String {
        count == 1 ? singular : plural
    }

    /// `"a", "b"`.
    static func quoted(_ items: [String]) -> String {
        items.isEmpty ? "" : "\"" + items.joined(separator: "\", \"") + "\""
    }

    /// `container "a"` / `containers "a", "b"`.
    static func containers(_ names: [String]) -> String {
        "\(plural("container", "containers", names.count)) \(quoted(names))"
    }
}
