import APIMachinery
import Foundation
import PKI

/// A request as the handlers see it: method, path, query, the headers they read and the collected body.
/// Keeping it free of the HTTP framework's types lets the handlers be tested without a socket.
public struct APIRequest: Sendable {
    public var method: String
    public var path: String
    public var query: QueryParameters
    public var headers: [String: String]
    public var body: Data
    /// Who is asking (from authentication); "system:anonymous" when unauthenticated plain-HTTP mode.
    public var user: String
    /// Everything authentication found out about the user (groups, uid, extra); nil on a plain-HTTP server.
    public var userInfo: AuthenticatedUser?
    /// The request's audit event when the policy audits it; handlers add what they learn to it.
    var audit: AuditContext?

    public init(method: String, path: String, query: String?, headers: [String: String], body: Data, user: String = "system:admin") {
        self.method = method.uppercased()
        self.path = path
        self.query = QueryParameters(query)
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
        self.user = user
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The media type of the body without parameters, lower-cased ("application/json").
    var contentType: String {
        (header("content-type") ?? "application/json").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? "application/json"
    }

    var userAgent: String { header("user-agent") ?? "" }

    /// `dryRun=All`: run every step but the write.
    var isDryRun: Bool { query.all("dryRun").contains("All") }

    /// The object in the body, JSON, YAML or Kubernetes protobuf by content type; 400 for malformed input.
    /// `apiVersion`/`kind` fill what a protobuf envelope leaves out, as upstream's decoder does.
    func decodeBody(apiVersion: String = "", kind: String = "") throws(APIError) -> JSON {
        let object = try decodeBodyObject(apiVersion: apiVersion, kind: kind)
        audit?.logRequestObject(object, isPatch: method == "PATCH")
        return object
    }

    private func decodeBodyObject(apiVersion: String, kind: String) throws(APIError) -> JSON {
        guard !body.isEmpty else { throw APIError.badRequest("the request body is empty") }
        switch contentType {
        case KubeProtobuf.mediaType:
            do {
                return try KubeProtobuf.decode(body, defaultAPIVersion: apiVersion, defaultKind: kind)
            } catch {
                throw APIError.badRequest("\(error)")
            }
        case "application/yaml", "application/apply-patch+yaml", "text/yaml", "application/x-yaml":
            // JSON is YAML, and clients (kubectl apply --server-side) mostly send JSON text: parse it directly.
            if let first = body.first(where: { !$0.isWhitespace }), first == UInt8(ascii: "{"), let json = try? JSON.parse(body) {
                return json
            }
            do {
                return try Adapters.decodeYAML(String(decoding: body, as: UTF8.self))
            } catch {
                throw APIError.badRequest("error converting YAML to JSON: \(error)")
            }
        case "application/json", "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json", "*/*", "":
            do {
                return try JSON.parse(body)
            } catch {
                throw APIError.badRequest("couldn't get version/kind; json parse error: \(error)")
            }
        default:
            throw APIError.unsupportedMediaType(contentType)
        }
    }
}

/// What the handlers answer; the HTTP layer turns it into a response.
public struct APIResponse: Sendable {
    public enum Body: Sendable {
        case data(Data)
        /// A stream of chunks (watch, follow logs), each flushed as it comes.
        case stream(AsyncThrowingStream<Data, Error>)
    }

    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: Body

    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSON, status: Int = 200, headers: [(String, String)] = []) -> APIResponse {
        APIResponse(status: status, headers: headers, body: .data(value.serialized()))
    }

    public static func error(_ e: APIError) -> APIResponse {
        var headers: [(String, String)] = []
        if let retry = e.details?["retryAfterSeconds"]?.int { headers.append(("Retry-After", String(retry))) }
        return APIResponse(status: e.code, headers: headers, body: .data(e.status.serialized()))
    }

    /// The body bytes when not streamed (tests read them).
    public var data: Data? {
        if case .data(let d) = body { return d }
        return nil
    }

    public var json: JSON? { data.flatMap { try? JSON.parse($0) } }
}

extension UInt8 {
    var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
