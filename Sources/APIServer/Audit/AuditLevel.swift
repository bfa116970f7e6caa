/// How much of a request an audit event records (audit.k8s.io/v1 `Level`). Each level records what the
/// one before it does and more, so levels compare: a request body is kept from `request` up.
public enum AuditLevel: String, Sendable, CaseIterable, Comparable {
    /// Not audited at all; also the level of a request no rule matches.
    case none = "None"
    /// Who did what to which object, when, and how it ended; no bodies.
    case metadata = "Metadata"
    /// Metadata and the request body (resource requests only).
    case request = "Request"
    /// Metadata, the request body and the response body (resource requests only).
    case requestResponse = "RequestResponse"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: AuditLevel, b: AuditLevel) -> Bool { a.rank < b.rank }
}
