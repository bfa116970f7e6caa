/// Where finished audit events go (upstream's audit `Backend`). Called on the request path, so it must
/// not wait for a disk.
public protocol AuditSink: Sendable {
    func process(_ event: AuditEvent)
}
