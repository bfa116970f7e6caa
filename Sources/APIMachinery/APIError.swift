import Foundation

/// An error the API answers with: a `meta.k8s.io/v1 Status` and its HTTP code.
///
/// Every failure a client can see goes through this type, so kubectl and client libraries always get a
/// Status they know how to print ("Error from server (NotFound): pods \"x\" not found").
public struct APIError: Error, Sendable, Equatable {
    public var code: Int
    /// Upstream's `StatusReason`: NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...
    public var reason: String
    public var message: String
    public var details: JSON?

    public init(code: Int, reason: String, message: String, details: JSON? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    /// The Status object sent as the response body.
    public var status: JSON {
        var s: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "code": .int(Int64(code)),
        ]
        // Upstream leaves an empty reason out of the Status.
        if !reason.isEmpty { s["reason"] = .string(reason) }
        if let details { s["details"] = details }
        return s
    }

    static func details(name: String?, group: String, kind: String) -> JSON {
        var d: JSON = ["group": .string(group), "kind": .string(kind)]
        if let name { d["name"] = .string(name) }
        return d
    }

    /// `qualifiedResource` is "pods" or "deployments.apps"; `group` and `resource` fill `details`.
    public static func notFound(_ qualifiedResource: String, name: String, group: String, resource: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(qualifiedResource) \"\(name)\" not found",
            details: details(name: name, group: group, kind: resource))
    }

    public static func alreadyExists(_ qualifiedResource: String, name: String, group: String, resource: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(qualifiedResource) \"\(name)\" already exists",
            details: details(name: name, group: group, kind: resource))
    }

    public static func conflict(_ qualifiedResource: String, name: String, group: String, resource: String, detail: String? = nil) -> APIError {
        let why = detail ?? "the object has been modified; please apply your changes to the latest version and try again"
        return APIError(
            code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(qualifiedResource) \"\(name)\": \(why)",
            details: details(name: name, group: group, kind: resource))
    }

    /// 422 with one cause per field error: `The Pod "p" is invalid: spec.containers[0].image: Required value`.
    public static func invalid(kind: String, name: String, group: String, errors: [FieldError]) -> APIError {
        let list = errors.map(\.message)
        let summary = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        var d = details(name: name, group: group, kind: kind)
        d["causes"] = .array(errors.map {
            ["reason": .string($0.kind.rawValue), "message": .string($0.causeMessage), "field": .string($0.field)]
        })
        // Upstream names grouped kinds with their group: `Deployment.apps "x" is invalid`.
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        return APIError(code: 422, reason: "Invalid", message: "\(qualified) \"\(name)\" is invalid: \(summary)", details: d)
    }

    public static func badRequest(_ message: String, causes: [FieldError] = []) -> APIError {
        var d: JSON? = nil
        if !causes.isEmpty {
            d = ["causes": .array(causes.map {
                ["reason": .string($0.kind.rawValue), "message": .string($0.message), "field": .string($0.field)]
            })]
        }
        return APIError(code: 400, reason: "BadRequest", message: message, details: d)
    }

    public static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message)
    }

    public static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    public static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Gone", message: message)
    }

    public static func tooLarge(_ message: String = "the request body is too large") -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge", message: message)
    }

    public static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got \(contentType)")
    }

    public static func notAcceptable(_ message: String) -> APIError {
        APIError(code: 406, reason: "NotAcceptable", message: message)
    }

    public static func unauthorized() -> APIError {
        APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
    }

    public static func forbidden(_ message: String) -> APIError {
        APIError(code: 403, reason: "Forbidden", message: message)
    }

    public static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }

    /// 429 with `Retry-After`: the server is too busy for this request now (upstream's
    /// `NewTooManyRequests`, whose message the max-in-flight filter uses).
    public static func tooManyRequests(_ message: String = "Too many requests, please try again later.", retryAfterSeconds: Int = 1) -> APIError {
        APIError(code: 429, reason: "TooManyRequests", message: message, details: ["retryAfterSeconds": .int(Int64(retryAfterSeconds))])
    }

    public static func serviceUnavailable(_ message: String) -> APIError {
        APIError(code: 503, reason: "ServiceUnavailable", message: message)
    }

    public static func timeout(_ message: String) -> APIError {
        APIError(code: 504, reason: "Timeout", message: message)
    }
}
