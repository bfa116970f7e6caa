import APIMachinery
import Registry

/// Component schemas for custom resources, as upstream's CRD OpenAPI builder publishes them: the version's
/// `openAPIV3Schema` with `apiVersion`, `kind` and `metadata` (a reference to ObjectMeta) filled in and the
/// kind's `x-kubernetes-group-version-kind`, plus the `<Kind>List`. Named by the reversed group
/// (`com.example.stable.v1.CronTab`), layered over the bundled schema so references to ObjectMeta,
/// Status and the rest resolve.
public enum CustomResourceSchemas {
    public struct Entry: Sendable {
        public var info: ResourceInfo
        public var listKind: String
        public var schema: JSON?
        public init(info: ResourceInfo, listKind: String, schema: JSON?) {
            self.info = info
            self.listKind = listKind
            self.schema = schema
        }
    }

    public static func definitionName(group: String, version: String, kind: String) -> String {
        group.split(separator: ".").reversed().joined(separator: ".") + ".\(version).\(kind)"
    }

    static let apiVersionDoc = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
    static let kindDoc = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
    static let metadataDoc = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
    static let listMetaDoc = "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"

    public static func schema(for entries: [Entry], base: Schema = .shared) -> Schema {
        var definitions: [String: JSON] = [:]
        var kinds: [JSON] = []
        for e in entries {
            let r = e.info
            let name = definitionName(group: r.group, version: r.version, kind: r.kind)
            let listName = definitionName(group: r.group, version: r.version, kind: e.listKind)
            var def = e.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            var props = def["properties"]?.object ?? [:]
            props["apiVersion"] = ["type": "string", "description": .string(apiVersionDoc)]
            props["kind"] = ["type": "string", "description": .string(kindDoc)]
            props["metadata"] = ["allOf": [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]],
                                 "description": .string(metadataDoc)]
            def["properties"] = .object(props)
            def["type"] = "object"
            def["x-kubernetes-group-version-kind"] = [["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]]
            definitions[name] = def
            definitions[listName] = [
                "description": .string("\(e.listKind) is a list of \(r.kind)"),
                "type": "object", "required": ["items"],
                "properties": [
                    "apiVersion": ["type": "string", "description": .string(apiVersionDoc)],
                    "items": ["type": "array", "description": .string("List of \(r.resource). More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"),
                              "items": ["$ref": .string("#/components/schemas/\(name)")]],
                    "kind": ["type": "string", "description": .string(kindDoc)],
                    "metadata": ["allOf": [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"]],
                                 "description": .string(listMetaDoc)],
                ],
                "x-kubernetes-group-version-kind": [["group": .string(r.group), "kind": .string(e.listKind), "version": .string(r.version)]],
            ]
            kinds.append(["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind), "definition": .string(name)])
            kinds.append(["group": .string(r.group), "version": .string(r.version), "kind": .string(e.listKind), "definition": .string(listName)])
        }
        return Schema(base: base, definitions: definitions, kinds: .array(kinds))
    }
}
