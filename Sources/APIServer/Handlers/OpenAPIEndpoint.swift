import APIMachinery
import Foundation

/// `/openapi/v3` and its per group-version documents (TEMPORARY until the OpenAPI module lands).
enum OpenAPIEndpoint {
    static func serve(path: String) throws -> APIResponse {
        throw APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }
}
