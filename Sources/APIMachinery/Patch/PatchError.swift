/// A patch that cannot be applied, with the HTTP status upstream's API server answers for it.
///
/// The three patch engines only throw this type so the handler never has to guess a status code. Upstream
/// (k8s.io/apiserver `handlers/patch.go`, v1.32) answers patch failures this way, and `apiError` reproduces it:
///
/// - **JSON Patch** (evanphx/json-patch v4): a body that does not decode as a list of operations →
///   **400 BadRequest** ("error decoding patch: ..."); more than 10000 operations → **413**; every failure while
///   applying — a failed `test`, a missing path, an index out of range, an unknown `op` — is wrapped by
///   `NewGenericServerResponse(422, ...)`, i.e. **422 reason `Invalid`** whose message is always
///   "the server rejected our request due to an error in our request" (the library's own text is dropped;
///   kubectl prints "The request is invalid: the server rejected our request due to an error in our request").
///   It is not a 500 any more: kubernetes#68202, fixed by #68346.
/// - **JSON Merge Patch**: a body that is not a JSON object → **400 BadRequest**.
/// - **Strategic merge patch**: a non-object body and the malformed-directive errors (`$deleteFromPrimitiveList`,
///   `$retainKeys`, `$setElementOrder` in the wrong shape) → **400 BadRequest** with the message; lists of lists
///   and a retainKeys mismatch → **422** (the same generic message as JSON Patch); every other failure (an
///   unknown `$patch` value, a list element without its merge key, mixed element types) is a plain Go error
///   upstream, which its API server turns into a 500 with an empty reason. The mistake is the client's patch,
///   so Skiff answers those **400 BadRequest** with upstream's message (a fuzzer found hundreds of such 500s
///   on upstream; SwiftTests/APIServerTests/APIFuzzTests holds Skiff to "never a 5xx for a client's input").
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which upstream status the failure maps to.
    public enum Status: Sendable, Equatable {
        /// 400 BadRequest, message shown as is.
        case badRequest
        /// 422 Invalid with upstream's generic "the server rejected our request..." message.
        case unprocessable
        /// 413 RequestEntityTooLarge.
        case tooLarge
        /// Upstream's plain Go error (its API server answers 500); here 400 BadRequest with the same message.
        case plainError
    }

    public let status: Status
    /// The library-level message (evanphx/json-patch or strategicpatch wording); for `.unprocessable` it is
    /// what a log should show, the client only sees the generic text.
    public let message: String

    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ message: String) -> PatchError { PatchError(.badRequest, message) }
    static func unprocessable(_ message: String) -> PatchError { PatchError(.unprocessable, message) }
    static func plainError(_ message: String) -> PatchError { PatchError(.plainError, message) }

    /// The message `NewGenericServerResponse` substitutes for every 422 it builds.
    public static let genericUnprocessableMessage = "the server rejected our request due to an error in our request"

    /// HTTP status code of the response.
    public var code: Int {
        switch status {
        case .badRequest: return 400
        case .unprocessable: return 422
        case .tooLarge: return 413
        case .plainError: return 400
        }
    }

    /// The Status the API server sends.
    public var apiError: APIError {
        switch status {
        case .badRequest, .plainError:
            return .badRequest(message)
        case .unprocessable:
            // NewGenericServerResponse always fills details (all of its fields empty).
            return APIError(code: 422, reason: "Invalid", message: Self.genericUnprocessableMessage, details: .object([:]))
        case .tooLarge:
            return .tooLarge("Request entity too large: \(message)")
        }
    }

    public var description: String { message }
}
