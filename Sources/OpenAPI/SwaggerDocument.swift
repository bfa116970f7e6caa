import APIMachinery
import Foundation
import Registry
import SwiftProtobuf

/// The OpenAPI v2 (Swagger 2.0) document Skiff serves at `GET /openapi/v2`, as JSON and as gnostic protobuf.
///
/// kubectl still needs it: when it validates a `v1` `List` on the client (`kubectl apply -f list.yaml`; a List
/// has no PATCH operation, so the server cannot validate it), it fetches this document as protobuf, finds each
/// item's definition by `x-kubernetes-group-version-kind` and checks the item against it. Like `/openapi/v3`,
/// it is derived from the bundled schema and the catalog, so both describe the same kinds and operations.
///
/// It holds every definition of the bundled schema (the served kinds and everything they reference) and the
/// paths of every served resource. Both encodings are built once, on first use.
public struct SwaggerDocument: Sendable {
    /// The document for `Schema.shared` and `Catalog.resources`, built on first use.
    public static let shared = SwaggerDocument(schema: .shared, resources: Catalog.resources)

    /// The media type of the protobuf form, as served in Content-Type. Clients ask for it under the deprecated
    /// name too, which client-go still sends; kube-openapi answers both with this one, because Go's
    /// `mime.ParseMediaType` (which client-go applies to the response) rejects the `@`.
    public static let protobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
    public static let deprecatedProtobufMediaType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

    /// The Kubernetes release the document describes (`info.version`); the schema is v1.32.0's.
    public static let version = "v1.32.0"

    /// The document as JSON, keys sorted.
    public let json: Data
    /// The document as a serialized gnostic `openapi.v2.Document`.
    public let protobuf: Data
    /// Content hashes (upper-case hex) of the two encodings, for ETags.
    public let jsonHash: String
    public let protobufHash: String

    public init(schema: Schema, resources: [ResourceInfo]) {
        let doc = Self.document(schema: schema, resources: resources)
        json = doc.serialized(sortedKeys: true)
        // Serializing a message built from well-formed JSON cannot fail (no required fields, no unset oneofs).
        protobuf = (try? GnosticV2Encoding.document(doc).serializedBytes()) ?? Data()
        jsonHash = FNV1a.hex(json)
        protobufHash = FNV1a.hex(protobuf)
    }

    /// The Swagger 2.0 document: every definition of `schema` and the paths of `resources`.
    static func document(schema: Schema, resources: [ResourceInfo]) -> JSON {
        var paths: [String: JSON] = [:]
        for r in resources {
            for (path, item) in ResourcePaths(resource: r, schema: schema).build() where paths[path] == nil {
                paths[path] = SwaggerPaths.convert(pathItem: item)
            }
        }
        return [
            "swagger": "2.0",
            "info": ["title": "Kubernetes", "version": .string(version)],
            "paths": .object(paths),
            "definitions": .object(schema.definitions.mapValues(SwaggerSchema.convert)),
            "securityDefinitions": [
                "BearerToken": [
                    "description": "Bearer Token authentication", "in": "header", "name": "authorization",
                    "type": "apiKey",
                ],
            ],
            "security": [["BearerToken": []]],
        ]
    }
}
