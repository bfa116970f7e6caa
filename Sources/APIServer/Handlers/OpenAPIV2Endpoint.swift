import APIMachinery
import Foundation
import OpenAPI

/// `GET /openapi/v2`: the Swagger 2.0 document, as gnostic protobuf when the client asks for it (client-go's
/// `OpenAPISchema()`, which kubectl uses to validate `List`s client-side) and as JSON otherwise.
///
/// Negotiated as kube-openapi's handler does: the first Accept clause, by preference, that names JSON or one of
/// the two protobuf names (wildcards pick JSON) wins, and protobuf is answered under its dotted name; no match
/// is 406. Each encoding has its own ETag, and a matching
/// `If-None-Match` is answered 304 without a body. A request without Accept gets JSON.
enum OpenAPIV2Endpoint {
    private static let json = "application/json"

    static func serve(accept: String?, ifNoneMatch: String?, document: SwaggerDocument = .shared) -> APIResponse {
        guard let type = negotiate(accept) else {
            return .error(APIError(code: 406, reason: "NotAcceptable", message: "only the following media types are accepted: application/json, \(SwaggerDocument.protobufMediaType)"))
        }
        let isJSON = type == json
        let etag = "\"\(isJSON ? document.jsonHash : document.protobufHash)\""
        let headers = [("ETag", etag), ("Vary", "Accept")]
        if let ifNoneMatch, matches(ifNoneMatch, etag) {
            return APIResponse(status: 304, contentType: type, headers: headers, body: .data(Data()))
        }
        return APIResponse(status: 200, contentType: type, headers: headers, body: .data(isJSON ? document.json : document.protobuf))
    }

    /// The media type to answer with, or nil when the client accepts neither encoding.
    static func negotiate(_ accept: String?) -> String? {
        let ranges = MediaRange.parseAccept(accept)
        if ranges.isEmpty { return json }
        let offered = [json, SwaggerDocument.deprecatedProtobufMediaType, SwaggerDocument.protobufMediaType]
        // Highest q first, in header order among equals (a stable sort); q=0 means "not acceptable".
        struct Clause { var index: Int; var type: String; var q: Double }
        let clauses = ranges.enumerated().map { i, r in Clause(index: i, type: r.type, q: Double(r.parameters["q"] ?? "1") ?? 1) }
        let byPreference = clauses.filter { $0.q > 0 }.sorted { a, b in a.q != b.q ? a.q > b.q : a.index < b.index }
        for clause in byPreference {
            if let match = offered.first(where: { covers(clause.type, $0) }) {
                return match == json ? json : SwaggerDocument.protobufMediaType
            }
        }
        return nil
    }

    private static func covers(_ range: String, _ type: String) -> Bool {
        if range == "*/*" || range == type { return true }
        if range.hasSuffix("/*") { return type.hasPrefix(range.dropLast()) }
        return false
    }

    /// `If-None-Match`: "*" or a list of (possibly weak) entity tags.
    private static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}
