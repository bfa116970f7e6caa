import APIMachinery
import Foundation
import PKI
import Synchronization

/// One audited request's event as it is filled in: the HTTP layer creates it (`AuditRecorder.begin`),
/// the handlers add what only they learn (the impersonated user, the authorization decision, the decoded
/// request body), and each stage writes a copy of it to the sink.
///
/// A class because every copy of the `APIRequest` the handlers pass around must reach the same event; a
/// lock because a streamed response completes on another task than the one that started it.
public final class AuditContext: Sendable {
    public let config: AuditRequestConfig
    /// Watches, exec, attach, port-forward, proxy and logs: they get a `ResponseStarted` event, as
    /// upstream's `BasicLongRunningRequestCheck` decides.
    public let longRunning: Bool
    let isResourceRequest: Bool
    /// What the request asks, as authorization reads it: worked out once when the event opens, and used
    /// again by the authorizer rather than parsing the path a second time.
    let attributes: AuthorizationAttributes
    private let event: Mutex<AuditEvent>
    private let sink: any AuditSink
    private let now: @Sendable () -> Date

    init(event: AuditEvent, config: AuditRequestConfig, longRunning: Bool, attributes: AuthorizationAttributes,
         sink: any AuditSink, now: @escaping @Sendable () -> Date) {
        self.event = Mutex(event)
        self.config = config
        self.longRunning = longRunning
        self.isResourceRequest = attributes.isResourceRequest
        self.attributes = attributes
        self.sink = sink
        self.now = now
    }

    /// The event as it stands (tests).
    public var current: AuditEvent { event.withLock { $0 } }

    /// Writes the event at `stage` unless the policy omits it. `RequestReceived` is stamped with the
    /// time the request arrived, later stages with now.
    func emit(_ stage: AuditStage) {
        guard !config.omitStages.contains(stage) else { return }
        let stamped = event.withLock { e -> AuditEvent in
            e.stage = stage
            e.stageTimestamp = stage == .requestReceived ? e.requestReceivedTimestamp : now()
            return e
        }
        sink.process(stamped)
    }

    /// Impersonation succeeded: the request runs as `user`.
    func impersonated(_ user: AuthenticatedUser) {
        event.withLock { $0.impersonatedUser = user }
    }

    /// The authorizer's answer, as upstream's authorization filter annotates it.
    func authorized(_ decision: AuthorizationDecision) {
        event.withLock {
            $0.annotations["authorization.k8s.io/decision"] = decision.isAllowed ? "allow" : "forbid"
            $0.annotations["authorization.k8s.io/reason"] = decision.reason
        }
    }

    /// Audit annotations an admission plugin adds (`pod-security.kubernetes.io/audit-violations`);
    /// a key set again (an update retried after a conflict) keeps the last value.
    func annotate(_ annotations: [String: String]) {
        event.withLock { e in
            for (k, v) in annotations { e.annotations[k] = v }
        }
    }

    /// The decoded request body. Like upstream's `LogRequestObject`, a created or replaced object also
    /// completes the object reference (its name when the URL had none, its uid and resourceVersion) at
    /// every level; the body itself is kept from `Request` up. A patch is kept as sent and completes
    /// nothing (`LogRequestPatch`).
    func logRequestObject(_ object: JSON, isPatch: Bool) {
        guard isResourceRequest, config.level >= .metadata else { return }
        // Not a ternary: `JSON` takes `nil` as its `null`, which would be kept as a body.
        var body: JSON?
        if config.level >= .request { body = config.omitManagedFields ? Self.withoutManagedFields(object) : object }
        event.withLock { e in
            if !isPatch, let meta = object["metadata"], var ref = e.objectRef {
                if ref.namespace.isEmpty { ref.namespace = meta["namespace"]?.string ?? "" }
                if ref.name.isEmpty { ref.name = meta["name"]?.string ?? "" }
                if ref.uid.isEmpty { ref.uid = meta["uid"]?.string ?? "" }
                if ref.resourceVersion.isEmpty { ref.resourceVersion = meta["resourceVersion"]?.string ?? "" }
                e.objectRef = ref
            }
            if let body { e.requestObject = .some(body) }
        }
    }

    /// The handler answered: the response status (a `Status` answer's fields, or just the code), the
    /// response body at `RequestResponse`, and `ResponseStarted` for a long-running request.
    func responded(_ response: APIResponse) {
        let status = Self.responseStatus(response)
        var object: JSON?
        if isResourceRequest, config.level >= .requestResponse, let body = Self.decodedBody(response) {
            object = config.omitManagedFields ? Self.withoutManagedFields(body) : body
        }
        event.withLock { e in
            e.responseStatus = status
            if let object { e.responseObject = object }
        }
        if longRunning { emit(.responseStarted) }
    }

    /// The request did not authenticate: upstream writes a single event, at `ResponseStarted`, as the 401
    /// goes out.
    func failedAuthentication(_ response: APIResponse) {
        event.withLock { $0.responseStatus = Self.responseStatus(response) }
        emit(.responseStarted)
    }

    /// The response is written (for a streamed one, its stream ended).
    func completed() {
        emit(.responseComplete)
    }

    /// `responseStatus` for `response`: a `Status` body's status, message, reason and details with its
    /// code, or only the HTTP code for anything else.
    static func responseStatus(_ response: APIResponse) -> AuditEvent.ResponseStatus {
        var s = AuditEvent.ResponseStatus(code: response.status)
        guard case .data(let data) = response.body, response.status >= 300 || data.starts(with: statusPrefix),
              response.contentType.hasPrefix("application/json"),
              let json = try? JSON.parse(data), json["kind"]?.string == "Status"
        else { return s }
        s.status = json["status"]?.string ?? ""
        s.message = json["message"]?.string ?? ""
        s.reason = json["reason"]?.string ?? ""
        s.details = json["details"]
        if let code = json["code"]?.int { s.code = Int(code) }
        return s
    }

    /// How a serialized `Status` starts (kinds are written `kind` first); a success answered with one
    /// (some deletes) is recognised without parsing every other body.
    private static let statusPrefix = Data(#"{"kind":"Status""#.utf8)

    /// A whole (not streamed) JSON or protobuf body.
    static func decodedBody(_ response: APIResponse) -> JSON? {
        guard case .data(let data) = response.body, !data.isEmpty else { return nil }
        if response.contentType.hasPrefix(KubeProtobuf.mediaType) { return try? KubeProtobuf.decode(data) }
        if response.contentType.hasPrefix("application/json") { return try? JSON.parse(data) }
        return nil
    }

    /// `object` without `metadata.managedFields`, on it and on each item of a list.
    static func withoutManagedFields(_ object: JSON) -> JSON {
        func strip(_ o: JSON) -> JSON {
            guard o[path: ["metadata", "managedFields"]] != nil else { return o }
            var copy = o
            copy[path: ["metadata", "managedFields"]] = nil
            return copy
        }
        var copy = strip(object)
        if case .array(let items)? = copy["items"] { copy["items"] = .array(items.map(strip)) }
        return copy
    }
}
