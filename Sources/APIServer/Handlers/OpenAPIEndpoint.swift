import APIMachinery
import Foundation
import OpenAPI

/// `/openapi/v3` and its per group-version documents. kubectl caches them by URL, so the URLs carry a
/// content hash and the documents are served with that hash as their ETag.
enum OpenAPIEndpoint {
    static func serve(path: String, custom: OpenAPIDocuments? = nil) throws -> APIResponse {
        var docs = OpenAPIDocuments.shared
        if path == "/openapi/v3" {
            return APIResponse(status: 200, body: .data(custom.map { docs.root(mergedWith: $0) } ?? docs.root))
        }
        let gv = String(path.dropFirst("/openapi/v3/".count))
        if let custom, docs.document(for: gv) == nil { docs = custom }
        guard let doc = docs.document(for: gv) else {
            throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
        }
        var headers: [(String, String)] = []
        if let h = docs.hash(for: gv) { headers.append(("ETag", "\"\(h)\"")) }
        return APIResponse(status: 200, headers: headers, body: .data(doc))
    }
}
