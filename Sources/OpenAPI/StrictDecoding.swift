import APIMachinery

/// Upstream's wording for unknown fields, so kubectl users see the messages they know.
///
/// - Strict create/update (handlers/create.go, update.go → `transformDecodeError`): 400 BadRequest
///   `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
/// - Strict JSON, merge or strategic-merge patch (handlers/patch.go): 400 BadRequest
///   `strict decoding error: unknown field "spec.foo"`.
/// - Warn: one `Warning` header per field, text `unknown field "spec.foo"`.
/// Several fields are joined with ", " as `runtime.strictDecodingError` does.
public enum StrictDecoding {
    /// `unknown field "spec.foo"`: one field's error, also the text of its Warn-mode warning.
    public static func unknownField(_ path: String) -> String { "unknown field \"\(path)\"" }

    /// The Warn-mode warnings, one per unknown field.
    public static func warnings(_ paths: [String]) -> [String] { paths.map(unknownField) }

    /// `strict decoding error: unknown field "a", unknown field "b"`.
    public static func message(_ paths: [String]) -> String {
        "strict decoding error: " + paths.map(unknownField).joined(separator: ", ")
    }

    /// The message of a rejected create or update. `bodyKind`/`bodyVersion` are the `kind` and the version part
    /// of the body's `apiVersion` (as defaulted from the URL when absent); `kind` is the resource's kind.
    public static func decodeMessage(bodyKind: String, bodyVersion: String, kind: String, paths: [String]) -> String {
        "\(bodyKind) in version \"\(bodyVersion)\" cannot be handled as a \(kind): \(message(paths))"
    }

    /// 400 BadRequest for a create or update with unknown fields under `fieldValidation=Strict`.
    public static func createOrUpdateError(bodyKind: String, bodyVersion: String, kind: String, paths: [String]) -> APIError {
        .badRequest(decodeMessage(bodyKind: bodyKind, bodyVersion: bodyVersion, kind: kind, paths: paths))
    }

    /// 400 BadRequest for a JSON, merge or strategic-merge patch whose result has unknown fields under Strict.
    public static func patchError(paths: [String]) -> APIError {
        .badRequest(message(paths))
    }
}
