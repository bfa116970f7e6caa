import APIMachinery
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PKI

/// The request context: Hummingbird's core storage plus the connection, whose TLS handler holds the
/// client certificate.
struct KubeRequestContext: Hummingbird.RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies are bounded by the responder (3 MiB, a 413 Status), not by the framework's default.
    var maxUploadSize: Int { 64 * 1024 * 1024 }
}

/// Adapts Hummingbird requests to `APIHandler` and writes one access-log line per request (verb, path,
/// user agent, status, latency: what an operator greps for, and what the seed's step 6 reads).
struct KubeResponder: HTTPResponder {
    typealias Context = KubeRequestContext
    let api: APIHandler
    let accessLog: Logger
    let maxBodyBytes: Int
    /// nil on a plain-HTTP server (tests, loopback development): every request is the admin's. On a secure
    /// server a request without credentials is the anonymous user's; one with credentials that do not
    /// authenticate gets 401.
    let authenticator: Authenticator?
    /// The in-flight budgets; requests past them get 429 before their body is read.
    let limiter: InflightLimiter
    /// The audit log, when `--audit-policy-file` and `--audit-log-path` turn it on. It starts after
    /// authentication and wraps the in-flight limit and authorization, as upstream's filter chain does, so
    /// 429 and 403 answers are audited too.
    var audit: AuditRecorder? = nil

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let received = audit?.now() ?? Date()
        var request = request
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        // Upstream's Audit-ID: the one the client sent, or a new one; every response echoes it.
        let auditID = headers["audit-id"].flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
        let arrival = {
            AuditRecorder.Arrival(
                method: request.method.rawValue, requestURI: request.uri.string, path: request.uri.path,
                query: QueryParameters(request.uri.query), headers: headers,
                remoteAddress: context.channel.remoteAddress?.ipAddress, auditID: auditID, received: received)
        }
        let result: APIResponse
        var user = "system:admin"
        var userInfo: AuthenticatedUser?
        var audited: AuditContext?
        do {
            if let authenticator, !Authenticator.isPublic(request.uri.path) {
                let chain = await PeerCertificates.of(context.channel)
                let who: AuthenticatedUser
                if let found = await authenticator.authenticate(peerChain: chain, authorization: headers["authorization"]) {
                    who = found
                } else if headers["authorization"] == nil {
                    // No credentials: upstream's anonymous user, which authorization then judges
                    // (system:public-info-viewer lets it read /version and the health endpoints).
                    who = .anonymous
                } else {
                    let r = APIResponse.error(.unauthorized())
                    accessLog.info("\"HTTP\" verb=\"\(request.method.rawValue)\" URI=\"\(request.uri.string)\" userAgent=\"\(headers["user-agent"] ?? "")\" user=\"system:anonymous\" resp=401")
                    // Upstream's failed-authentication audit: one event, with no user, as the 401 starts.
                    audit?.begin(arrival(), user: nil)?.failedAuthentication(r)
                    return Self.response(r, auditID: auditID)
                }
                user = who.name
                userInfo = who
            }
            // The health endpoints skip authentication on a secure server: their caller is anonymous.
            audited = audit?.begin(arrival(), user: userInfo ?? (authenticator == nil ? AuthenticatedUser(name: user) : .anonymous))
            audited?.emit(.requestReceived)
            let watch = request.uri.queryParameters.get("watch").map { $0 == "true" || $0 == "1" } ?? false
            let lane = RequestLane.of(method: request.method.rawValue, path: request.uri.path, watch: watch, user: userInfo)
            guard limiter.admit(lane) else { return tooBusy(request, headers: headers, user: user, since: start, auditID: auditID, audited: audited) }
            defer {
                limiter.release(lane)
                let now = limiter.inFlight
                api.metrics.recordInflight(readOnly: now.readOnly, mutating: now.mutating)
            }
            let now = limiter.inFlight
            api.metrics.recordInflight(readOnly: now.readOnly, mutating: now.mutating)
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            var apiRequest = APIRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                headers: headers, body: Data(buffer: buffer), user: user)
            apiRequest.userInfo = userInfo
            apiRequest.audit = audited
            result = await api.handle(apiRequest)
        } catch {
            // Hummingbird refuses bodies over the limit while collecting them.
            result = .error(.tooLarge("the request body is too large (limit \(maxBodyBytes) bytes)"))
        }
        audited?.responded(result)
        let latency = ContinuousClock.now - start
        let ms = Double(latency.components.attoseconds) / 1e15 + Double(latency.components.seconds) * 1000
        accessLog.info("\"HTTP\" verb=\"\(request.method.rawValue)\" URI=\"\(request.uri.string)\" latency=\"\(String(format: "%.3fms", ms))\" userAgent=\"\(headers["user-agent"] ?? "")\" user=\"\(user)\" resp=\(result.status)")
        return Self.response(result, auditID: auditID, audited: audited)
    }

    /// 429 with `Retry-After: 1`, counted, logged and audited like any other answer; the body is never read.
    func tooBusy(_ request: Request, headers: [String: String], user: String, since start: ContinuousClock.Instant,
                 auditID: String, audited: AuditContext?) -> Response {
        let r = APIResponse.error(.tooManyRequests())
        let counted = APIRequest(method: request.method.rawValue, path: request.uri.path, query: request.uri.query, headers: headers, body: Data(), user: user)
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        api.metrics.observe(counted, status: r.status, seconds: seconds, longRunning: false)
        accessLog.info("\"HTTP\" verb=\"\(request.method.rawValue)\" URI=\"\(request.uri.string)\" userAgent=\"\(headers["user-agent"] ?? "")\" user=\"\(user)\" resp=429")
        audited?.responded(r)
        return Self.response(r, auditID: auditID, audited: audited)
    }

    /// The HTTP response for `r`. `audited` gets its `ResponseComplete` once the body is handed over: at
    /// once for a whole body, when the stream ends (or the client leaves) for a streamed one.
    static func response(_ r: APIResponse, auditID: String, audited: AuditContext? = nil) -> Response {
        var fields = HTTPFields()
        fields.append(HTTPField(name: auditIDHeader, value: auditID))
        fields[.contentType] = r.contentType
        for (k, v) in r.headers where k.lowercased() != "transfer-encoding" {
            if let name = HTTPField.Name(k) { fields.append(HTTPField(name: name, value: v)) }
        }
        fields.append(HTTPField(name: .cacheControl, value: "no-cache, private"))
        let status = HTTPResponse.Status(code: r.status)
        switch r.body {
        case .data(let d):
            audited?.completed()
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: d)))
        case .stream(let stream):
            return Response(status: status, headers: fields, body: ResponseBody { writer in
                do {
                    for try await chunk in stream {
                        try await writer.write(ByteBuffer(bytes: chunk))
                    }
                } catch {
                    // The client went away or the source failed: end the stream cleanly.
                }
                audited?.completed()
                try await writer.finish(nil)
            })
        }
    }

    /// `Audit-Id`, as Go's header canonicalization spells upstream's `Audit-ID`.
    static let auditIDHeader = HTTPField.Name("Audit-Id")!
}
