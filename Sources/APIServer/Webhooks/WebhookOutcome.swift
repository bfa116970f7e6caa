import APIMachinery

/// Why a webhook could not be asked (upstream's `ErrCallingWebhook`): the connection, TLS, the HTTP
/// exchange or an unreadable answer. `failurePolicy` decides whether the request fails with it.
struct WebhookCallFailure: Error, Sendable, CustomStringConvertible {
    var webhook: String
    /// Upstream's reason text, e.g. `failed to call webhook: Post "https://…": dial tcp …: connect: connection refused`.
    var reason: String

    var description: String { "failed calling webhook \(GoQuoting.quote(webhook)): \(reason)" }

    /// What the client gets when the webhook fails closed: upstream's `NewInternalError(err)`.
    var apiError: APIError {
        var e = APIError.internalError(description)
        e.details = ["causes": [["message": .string(description)]]]
        return e
    }
}

enum WebhookRejection {
    /// Upstream's (1.32) `ToStatusErr`: the webhook's own Status with a code of at least 400 and the
    /// message prefixed `admission webhook "NAME" denied the request`.
    static func apiError(webhook: String, result: JSON?) -> APIError {
        let deniedBy = "admission webhook \(GoQuoting.quote(webhook)) denied the request"
        let result = result ?? [:]
        let message = result["message"]?.string ?? "", reason = result["reason"]?.string ?? ""
        let text: String
        if !message.isEmpty {
            text = "\(deniedBy): \(message)"
        } else if !reason.isEmpty {
            text = "\(deniedBy): \(reason)"
        } else {
            text = "\(deniedBy) without explanation"
        }
        let code = Int(result["code"]?.int ?? 0)
        var details = result["details"]
        if details?.isNull == true { details = nil }
        return APIError(code: code < 400 ? 400 : code, reason: reason, message: text, details: details)
    }

    /// Upstream's `NewDryRunUnsupportedErr`.
    static func dryRunUnsupported(webhook: String) -> APIError {
        .badRequest("admission webhook \(GoQuoting.quote(webhook)) does not support dry run")
    }
}
