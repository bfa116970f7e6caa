/// One entry of an `Accept` header: `application/json;as=Table;v=v1;g=meta.k8s.io`.
struct MediaRange: Sendable, Equatable {
    var type: String
    var parameters: [String: String]

    static func parseAccept(_ header: String?) -> [MediaRange] {
        guard let header, !header.isEmpty else { return [] }
        return header.split(separator: ",").map { entry in
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            var params: [String: String] = [:]
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { params[kv[0]] = kv[1] }
            }
            return MediaRange(type: parts.first?.lowercased() ?? "", parameters: params)
        }
    }
}

/// What representation a client asked for, from its `Accept` header.
enum ResponseFormat: Sendable, Equatable {
    /// The object or list itself.
    case object
    /// A `meta.k8s.io` Table (kubectl get); the associated value is the Table's version ("v1" / "v1beta1").
    case table(version: String)
    /// `PartialObjectMetadata(List)`: metadata only.
    case partialMetadata(version: String)

    static func negotiate(_ accept: String?) -> ResponseFormat {
        for m in MediaRange.parseAccept(accept) where m.type == "application/json" || m.type == "*/*" {
            guard let kind = m.parameters["as"] else { return .object }
            guard m.parameters["g"] == "meta.k8s.io" else { continue }
            let v = m.parameters["v"] ?? "v1"
            guard v == "v1" || v == "v1beta1" else { continue }
            if kind == "Table" { return .table(version: v) }
            if kind == "PartialObjectMetadata" || kind == "PartialObjectMetadataList" { return .partialMetadata(version: v) }
        }
        return .object
    }
}

import Foundation
