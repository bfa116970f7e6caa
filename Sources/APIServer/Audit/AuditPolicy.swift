/// The file behind `--audit-policy-file` (audit.k8s.io/v1 `Policy`): which requests are audited and at
/// what level. Rules are tried in order and the first that matches decides; a request no rule matches is
/// not audited (`None`).
public struct AuditPolicy: Sendable, Equatable {
    public static let apiVersion = "audit.k8s.io/v1"
    public static let kind = "Policy"

    public var rules: [Rule]
    /// Stages no event is written for, whatever rule matched (joined with each rule's own).
    public var omitStages: [AuditStage]
    /// Whether `metadata.managedFields` is left out of recorded bodies, unless a rule says otherwise.
    public var omitManagedFields: Bool

    public init(rules: [Rule], omitStages: [AuditStage] = [], omitManagedFields: Bool = false) {
        self.rules = rules
        self.omitStages = omitStages
        self.omitManagedFields = omitManagedFields
    }

    /// One `rules[]` entry. Every matcher that is set must match (an empty list matches everything);
    /// a rule names resources or non-resource URLs, never both.
    public struct Rule: Sendable, Equatable {
        public var level: AuditLevel
        /// Authenticated user names.
        public var users: [String] = []
        /// Matches a user in any of these groups.
        public var userGroups: [String] = []
        /// Kubernetes verbs (get, list, watch, create, update, patch, delete, deletecollection, ...).
        public var verbs: [String] = []
        public var resources: [GroupResources] = []
        /// Namespaces; "" matches cluster-scoped resources.
        public var namespaces: [String] = []
        /// Paths such as `/metrics` or `/healthz*` (a `*` only as the last character).
        public var nonResourceURLs: [String] = []
        public var omitStages: [AuditStage] = []
        /// Overrides the policy's `omitManagedFields` when set.
        public var omitManagedFields: Bool?

        public init(level: AuditLevel) { self.level = level }
    }

    /// A group's resources: `pods`, `pods/log` (a subresource), `*` (all, with subresources), `pods/*`
    /// (every subresource of pods), `*/scale`; no resources means the whole group.
    public struct GroupResources: Sendable, Equatable {
        /// "" is the core group.
        public var group: String
        public var resources: [String]
        /// Object names; needs `resources`.
        public var resourceNames: [String]

        public init(group: String = "", resources: [String] = [], resourceNames: [String] = []) {
            self.group = group
            self.resources = resources
            self.resourceNames = resourceNames
        }
    }
}
