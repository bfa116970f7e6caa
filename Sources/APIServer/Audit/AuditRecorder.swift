import APIMachinery
import Foundation
import Logging
import PKI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The server's audit: the policy checker and the sink, and the start of each request's event (upstream's
/// audit filter, which runs after authentication and before impersonation, the in-flight limit and
/// authorization, so requests those refuse are audited too).
public final class AuditRecorder: Sendable {
    public let checker: AuditPolicyChecker
    public let sink: any AuditSink
    let now: @Sendable () -> Date

    public init(checker: AuditPolicyChecker, sink: any AuditSink, now: @escaping @Sendable () -> Date = Date.init) {
        self.checker = checker
        self.sink = sink
        self.now = now
    }

    /// The recorder `--audit-policy-file` and `--audit-log-path` ask for: nil without a log path. The
    /// policy is loaded whenever it is named, so a bad one stops the server even without a log.
    public static func make(config: APIServerConfig, logger: Logger) throws -> AuditRecorder? {
        guard let policyFile = config.auditPolicyFile else {
            if config.auditLogPath != nil { logger.info("no audit policy file provided, no events will be recorded for the log backend") }
            return nil
        }
        let policy = try AuditPolicy.load(path: policyFile)
        guard let path = config.auditLogPath else { return nil }
        let writer = try AuditLogWriter(path: path, maxSizeMegabytes: config.auditLogMaxSizeMegabytes,
                                        maxBackups: config.auditLogMaxBackups, logger: logger)
        return AuditRecorder(checker: AuditPolicyChecker(policy), sink: writer)
    }

    /// What the HTTP layer knows of a request when it arrives.
    public struct Arrival: Sendable {
        public var method: String
        /// Path and query as sent.
        public var requestURI: String
        public var path: String
        public var query: QueryParameters
        public var headers: [String: String]
        /// The connection's peer address, if known.
        public var remoteAddress: String?
        public var auditID: String
        public var received: Date

        public init(method: String, requestURI: String, path: String, query: QueryParameters, headers: [String: String],
                    remoteAddress: String?, auditID: String, received: Date) {
            self.method = method
            self.requestURI = requestURI
            self.path = path
            self.query = query
            self.headers = headers
            self.remoteAddress = remoteAddress
            self.auditID = auditID
            self.received = received
        }
    }

    /// The request's event, or nil when the policy does not audit it. `user` nil: the request did not
    /// authenticate (its event has an empty user, and rules about users or groups do not match it).
    /// Does not write anything: the caller emits the first stage.
    public func begin(_ arrival: Arrival, user: AuthenticatedUser?) -> AuditContext? {
        let who = user ?? AuthenticatedUser(name: "")
        let attributes = AuthorizationAttributes.of(method: arrival.method, path: arrival.path, query: arrival.query, user: who)
        let config = checker.evaluate(attributes)
        guard config.level > .none else { return nil }
        var objectRef: AuditEvent.ObjectReference?
        if attributes.isResourceRequest {
            var ref = AuditEvent.ObjectReference()
            ref.resource = attributes.resource
            ref.namespace = attributes.namespace
            ref.name = attributes.name
            ref.apiGroup = attributes.apiGroup
            ref.apiVersion = attributes.apiVersion
            ref.subresource = attributes.subresource
            objectRef = ref
        }
        let event = AuditEvent(
            level: config.level, auditID: arrival.auditID, stage: .requestReceived, requestURI: arrival.requestURI,
            verb: attributes.verb, user: who, impersonatedUser: nil,
            sourceIPs: Self.sourceIPs(headers: arrival.headers, remoteAddress: arrival.remoteAddress),
            userAgent: Self.truncatedUserAgent(arrival.headers["user-agent"] ?? ""),
            objectRef: objectRef, responseStatus: nil, requestObject: nil, responseObject: nil,
            requestReceivedTimestamp: arrival.received, stageTimestamp: arrival.received, annotations: [:])
        let longRunning = attributes.verb == "watch" || attributes.verb == "proxy"
            || RequestLane.longRunningSubresources.contains(attributes.subresource)
        return AuditContext(event: event, config: config, longRunning: longRunning,
                            attributes: attributes, sink: sink, now: now)
    }

    /// Upstream's `utilnet.SourceIPs`: the `X-Forwarded-For` addresses, then `X-Real-Ip` if not among
    /// them, then the connection's peer unless it is already last. All but the peer are the client's word.
    static func sourceIPs(headers: [String: String], remoteAddress: String?) -> [String] {
        var ips: [String] = []
        if let forwarded = headers["x-forwarded-for"] {
            for part in forwarded.split(separator: ",") {
                let ip = part.trimmingCharacters(in: .whitespaces)
                if IPAddressText.isValid(ip) { ips.append(ip) }
            }
        }
        if let real = headers["x-real-ip"]?.trimmingCharacters(in: .whitespaces), IPAddressText.isValid(real), !ips.contains(real) {
            ips.append(real)
        }
        if let remote = remoteAddress, !remote.isEmpty, ips.last != remote {
            ips.append(remote)
        }
        return ips
    }

    static let maxUserAgentLength = 1024

    /// Longer user agents are cut to 1024 bytes and marked, as upstream does.
    static func truncatedUserAgent(_ agent: String) -> String {
        let bytes = Array(agent.utf8)
        guard bytes.count > maxUserAgentLength else { return agent }
        return String(decoding: bytes[..<maxUserAgentLength], as: UTF8.self) + "...TRUNCATED"
    }
}

/// Whether text is an IPv4 or IPv6 address (for client-supplied forwarding headers).
enum IPAddressText {
    static func isValid(_ s: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}
