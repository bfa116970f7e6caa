import Foundation

/// The three patch media types the PATCH verb accepts besides server-side apply, and the engine for each.
///
/// Keeping the content-type → engine mapping here means the API server's handler only parses the header
/// and turns a thrown `PatchError` into its Status (`error.apiError`).
public enum PatchType: String, Sendable, CaseIterable {
    case json = "application/json-patch+json"
    case merge = "application/merge-patch+json"
    case strategicMerge = "application/strategic-merge-patch+json"

    /// Reads a `Content-Type` header value, ignoring parameters such as `; charset=utf-8` as upstream does.
    public init?(contentType: String) {
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        self.init(rawValue: base.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Applies an already-parsed patch document. `schema` is the kind's root node and only matters for
    /// strategic merge patch (nil behaves as upstream does for objects without a schema).
    public func apply(_ patch: JSON, to original: JSON, schema: SchemaNode?) throws(PatchError) -> JSON {
        switch self {
        case .json: return try JSONPatch.apply(patch, to: original)
        case .merge: return try MergePatch.apply(patch, to: original)
        case .strategicMerge: return try StrategicMergePatch.apply(patch, to: original, schema: schema)
        }
    }

    /// Parses the request body and applies it. A body that is not JSON is a 400, worded per type as
    /// upstream decodes it (`error decoding patch: ...` for JSON and merge patches).
    public func apply(body: some DataProtocol, to original: JSON, schema: SchemaNode?) throws(PatchError) -> JSON {
        let patch: JSON
        do {
            patch = try JSON.parse(body)
        } catch {
            let reason = (error as? JSONParseError)?.description ?? "\(error)"
            switch self {
            case .json, .merge: throw .badRequest("error decoding patch: \(reason)")
            case .strategicMerge: throw .badRequest(reason)
            }
        }
        return try apply(patch, to: original, schema: schema)
    }
}
