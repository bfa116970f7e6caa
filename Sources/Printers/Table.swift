import APIMachinery
import Foundation

/// What each Table row carries besides its cells (the `includeObject` query parameter).
public enum IncludeObjectPolicy: String, Sendable {
    case none = "None"
    /// The default: a `PartialObjectMetadata` with the object's full metadata.
    case metadata = "Metadata"
    case object = "Object"

    /// Parses the query value; "" means the default. Unknown values are upstream's 400.
    public init(queryValue: String) throws(APIError) {
        if queryValue.isEmpty {
            self = .metadata
            return
        }
        guard let policy = IncludeObjectPolicy(rawValue: queryValue) else {
            throw APIError.badRequest("unrecognized includeObject value: \"\(queryValue)\"")
        }
        self = policy
    }
}

/// Builds the `meta.k8s.io/v1 Table` answered for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
///
/// - `objects`: the items (of a list) or the single object of a get, each with kind and apiVersion set.
/// - `includeObject`: "None", "Metadata" (default, also for "") or "Object"; others throw 400.
/// - `listMeta`: the list's metadata (resourceVersion, continue, remainingItemCount), or for a get
///   `["resourceVersion": <the object's>]`.
/// - `noHeaders`: omit column definitions (upstream's `TableOptions.noHeaders`, used for watch events
///   after the first); they are then JSON null as upstream writes them.
/// - `apiVersion`: the Table group-version asked for (meta.k8s.io/v1 or meta.k8s.io/v1beta1).
public func makeTable(
    printer: any TablePrinter, objects: [JSON], now: Date, includeObject: String = "Metadata",
    listMeta: JSON? = nil, noHeaders: Bool = false, apiVersion: String = "meta.k8s.io/v1"
) throws(APIError) -> JSON {
    let policy = try IncludeObjectPolicy(queryValue: includeObject)
    var metadata: [String: JSON] = [:]
    if let listMeta {
        for key in ["resourceVersion", "continue"] {
            if let v = listMeta[key]?.string, !v.isEmpty { metadata[key] = .string(v) }
        }
        if let remaining = listMeta["remainingItemCount"], remaining.int != nil { metadata["remainingItemCount"] = remaining }
    }
    let rows: [JSON] = objects.map { object in
        var row: JSON = ["cells": .array(printer.cells(for: object, now: now))]
        let conditions = printer.conditions(for: object)
        if !conditions.isEmpty { row["conditions"] = .array(conditions) }
        switch policy {
        case .none:
            row["object"] = .null
        case .metadata:
            row["object"] = [
                "kind": "PartialObjectMetadata", "apiVersion": .string(apiVersion),
                "metadata": object["metadata"] ?? .object([:]),
            ]
        case .object:
            row["object"] = object
        }
        return row
    }
    return [
        "kind": "Table", "apiVersion": .string(apiVersion), "metadata": .object(metadata),
        "columnDefinitions": noHeaders ? .null : .array(printer.columnDefinitions.map(\.json)),
        "rows": .array(rows),
    ]
}
