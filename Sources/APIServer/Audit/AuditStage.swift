/// When in a request's life an audit event is written (audit.k8s.io/v1 `Stage`).
///
/// Every audited request gets `RequestReceived` and `ResponseComplete`; long-running requests (watches,
/// exec, attach, port-forward, proxy, logs) also get `ResponseStarted` when their headers go out, since
/// their completion may come hours later. `Panic` exists for policy files that name it: Swift has no
/// recoverable panic, so the server never writes it (a crash ends the process instead).
public enum AuditStage: String, Sendable, CaseIterable {
    case requestReceived = "RequestReceived"
    case responseStarted = "ResponseStarted"
    case responseComplete = "ResponseComplete"
    case panic = "Panic"
}
