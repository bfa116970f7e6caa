import APIMachinery
import Foundation
import PKI

/// One audit record (audit.k8s.io/v1 `Event`): a request at one stage of its handling. A request's
/// events share an `auditID`; each is a line of the audit log (see `jsonLine`).
public struct AuditEvent: Sendable, Equatable {
    public var level: AuditLevel
    public var auditID: String
    public var stage: AuditStage
    /// The path and query as the client sent them.
    public var requestURI: String
    /// The Kubernetes verb (get, list, watch, create, ...); the lower-cased method for non-resource paths.
    public var verb: String
    /// Who authenticated; an empty name for a request that did not authenticate.
    public var user: AuthenticatedUser
    /// Who the request ran as, when it impersonated someone.
    public var impersonatedUser: AuthenticatedUser?
    public var sourceIPs: [String]
    public var userAgent: String
    /// Resource requests only.
    public var objectRef: ObjectReference?
    public var responseStatus: ResponseStatus?
    /// The request body, from the `Request` level up (resource requests only).
    public var requestObject: JSON?
    /// The response body at the `RequestResponse` level (resource requests only).
    public var responseObject: JSON?
    public var requestReceivedTimestamp: Date
    public var stageTimestamp: Date
    /// `authorization.k8s.io/decision` and `authorization.k8s.io/reason`, among others.
    public var annotations: [String: String]

    /// What the request was aimed at.
    public struct ObjectReference: Sendable, Equatable {
        public var resource = ""
        public var namespace = ""
        public var name = ""
        public var uid = ""
        public var apiGroup = ""
        public var apiVersion = ""
        public var resourceVersion = ""
        public var subresource = ""
        public init() {}
    }

    /// How the request ended: the code, and for a `Status` answer (every failure) its status, message,
    /// reason and details.
    public struct ResponseStatus: Sendable, Equatable {
        public var code: Int
        public var status = ""
        public var message = ""
        public var reason = ""
        public var details: JSON?
        public init(code: Int) { self.code = code }
    }
}
