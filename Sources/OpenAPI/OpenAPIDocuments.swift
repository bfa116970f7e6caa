import APIMachinery
import Foundation
import Registry

/// The OpenAPI v3 documents Skiff serves: `GET /openapi/v3` and `GET /openapi/v3/<group-version path>`.
///
/// Built once from the bundled schema and the catalog, so every served kind is described exactly as its
/// published v1.32 schema says. kubectl needs them for `apply`/`create` (it only sends `fieldValidation=Strict`
/// after finding a `fieldValidation` parameter on the kind's PATCH operation) and for `explain` (which finds the
/// kind through the operations' `x-kubernetes-group-version-kind`, then the component schema carrying the same
/// GVK). Documents are serialised with sorted keys so equal inputs give byte-equal documents and hashes.
public struct OpenAPIDocuments: Sendable {
    /// The documents for `Schema.shared` and `Catalog.resources`.
    public static let shared = OpenAPIDocuments(schema: .shared, resources: Catalog.resources)

    private struct Entry: Sendable {
        var data: Data
        var hash: String
    }

    private let entries: [String: Entry]
    /// The served group-version paths ("api/v1", "apis/apps/v1", ...) in catalog order.
    public let groupVersionPaths: [String]
    /// The body of `GET /openapi/v3`: `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=H"}}}`.
    public let root: Data
    /// The members of `root`'s `paths`, for combining documents of several sources into one root.
    public let rootPaths: [String: JSON]

    public init(schema: Schema, resources: [ResourceInfo]) {
        var order: [APIGroupVersion] = []
        for r in resources where !order.contains(APIGroupVersion(r)) { order.append(APIGroupVersion(r)) }

        var entries: [String: Entry] = [:]
        var rootPaths: [String: JSON] = [:]
        for gv in order {
            let members = resources.filter { APIGroupVersion($0) == gv }
            let data = Self.document(schema: schema, resources: members).serialized(sortedKeys: true)
            let hash = FNV1a.hex(data)
            entries[gv.documentPath] = Entry(data: data, hash: hash)
            rootPaths[gv.documentPath] = ["serverRelativeURL": .string("/openapi/v3/\(gv.documentPath)?hash=\(hash)")]
        }
        self.entries = entries
        self.groupVersionPaths = order.map(\.documentPath)
        self.root = JSON.object(["paths": .object(rootPaths)]).serialized(sortedKeys: true)
        self.rootPaths = rootPaths
    }

    /// The root listing this document set's group-versions and `other`'s (custom resources' beside the
    /// built-in ones).
    public func root(mergedWith other: OpenAPIDocuments) -> Data {
        JSON.object(["paths": .object(rootPaths.merging(other.rootPaths) { a, _ in a })]).serialized(sortedKeys: true)
    }

    /// The document of a group-version, by its path with or without the leading slash ("api/v1",
    /// "/apis/apps/v1"); nil for a group-version Skiff does not serve. The `hash` query is the caller's to strip.
    public func document(for groupVersionPath: String) -> Data? {
        entries[Self.key(groupVersionPath)]?.data
    }

    /// The hash in the document's `serverRelativeURL` (also a fine ETag), or nil for an unknown group-version.
    public func hash(for groupVersionPath: String) -> String? {
        entries[Self.key(groupVersionPath)]?.hash
    }

    private static func key(_ path: String) -> String {
        path.hasPrefix("/") ? String(path.dropFirst()) : path
    }

    /// One group-version's document: its resources' paths and every schema those paths reach.
    static func document(schema: Schema, resources: [ResourceInfo]) -> JSON {
        var paths: [String: JSON] = [:]
        for r in resources {
            paths.merge(ResourcePaths(resource: r, schema: schema).build()) { a, _ in a }
        }
        var roots = Set<String>()
        SchemaReferences.collect(in: .object(paths), into: &roots)
        for r in resources {
            if let d = schema.definitionName(group: r.group, version: r.version, kind: r.kind) { roots.insert(d) }
        }
        let names = SchemaReferences.closure(of: roots) { schema.definition($0, retain: false) }
        let schemas = Dictionary(uniqueKeysWithValues: names.compactMap { n in schema.definition(n, retain: false).map { (n, $0) } })
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "unversioned"],
            "paths": .object(paths),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "BearerToken": [
                        "description": "Bearer Token authentication", "in": "header", "name": "authorization",
                        "type": "apiKey",
                    ],
                ],
            ],
            "security": [["BearerToken": []]],
        ]
    }
}

/// Follows `$ref`s between component schemas.
enum SchemaReferences {
    static let prefix = "#/components/schemas/"

    /// Adds the definition name of every `$ref` found anywhere in `value`.
    static func collect(in value: JSON, into names: inout Set<String>) {
        switch value {
        case .object(let o):
            for (k, v) in o {
                if k == "$ref", let ref = v.string, ref.hasPrefix(prefix) {
                    names.insert(String(ref.dropFirst(prefix.count)))
                } else {
                    collect(in: v, into: &names)
                }
            }
        case .array(let a):
            for v in a { collect(in: v, into: &names) }
        default:
            break
        }
    }

    /// `roots` and every definition reachable from them.
    static func closure(of roots: Set<String>, in definitions: [String: JSON]) -> Set<String> {
        closure(of: roots) { definitions[$0] }
    }

    static func closure(of roots: Set<String>, lookup: (String) -> JSON?) -> Set<String> {
        var seen = Set<String>()
        var stack = Array(roots)
        while let name = stack.popLast() {
            guard !seen.contains(name), let def = lookup(name) else { continue }
            seen.insert(name)
            var refs = Set<String>()
            collect(in: def, into: &refs)
            stack.append(contentsOf: refs.subtracting(seen))
        }
        return seen
    }
}
