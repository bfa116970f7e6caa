import Foundation

/// The audit policy a new cluster's API server runs with (`--audit-policy-file`): every request at the
/// Metadata level — who asked, the verb, the object, the answer and when; no bodies, so no Secret's value
/// reaches the log — into `logs/audit.log` (`--audit-log-path`), which `skiff logs audit` prints.
///
/// Each request is written once, when it completes: `RequestReceived` is omitted, as in upstream's
/// documented example policy, since it repeats what the completion says. The health endpoints, which
/// the supervisor and load balancers poll every few seconds, are not audited.
public enum AuditPolicyFile {
    public static let text = """
        # Written by `skiff create cluster`: every request to the API server is audited at the Metadata
        # level (who, verb, object, response code, time; no request or response bodies) into
        # logs/audit.log, which `skiff logs audit` prints. See docs/audit.md.
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages:
        - RequestReceived
        rules:
        - level: None
          nonResourceURLs:
          - /healthz*
          - /livez*
          - /readyz*
        - level: Metadata

        """

    /// Writes the policy to `url` (mode 0644: it holds no secret).
    public static func create(at url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}
