import APIMachinery
import OpenAPI
import Printers
import Registry
import Storage

/// Everything the handlers need to serve one version of a custom resource: its catalog entry, strategy,
/// table printer, the version objects are stored in, and the schema server-side apply walks.
struct CustomResourceServing: Sendable {
    let crdName: String
    let crdUID: String
    let info: ResourceInfo
    let listKind: String
    let strategy: CustomResourceStrategy
    let printer: CustomResourcePrinter
    /// `apiVersion` of the stored objects (the CRD's storage version).
    let storageAPIVersion: String
    let scale: CustomResourceDefinitionModel.Scale?
    /// Root node over the version's schema (ObjectMeta resolved), for apply's field ownership.
    let schemaNode: SchemaNode?
    /// `deprecationWarning`, or upstream's default text, when the version is deprecated.
    let deprecationWarning: String?

    init(model: CustomResourceDefinitionModel, version: CustomResourceDefinitionModel.Version, schema: Schema) {
        crdName = model.name
        crdUID = model.uid
        let info = model.resourceInfo(version)
        self.info = info
        listKind = model.listKind
        strategy = CustomResourceStrategy(info: info, version: version)
        printer = CustomResourcePrinter(columns: version.printerColumns.map {
            CustomColumn(name: $0.name, type: $0.type, format: $0.format, description: $0.description, priority: $0.priority, jsonPath: $0.jsonPath)
        })
        storageAPIVersion = "\(model.group)/\(model.storageVersion ?? version.name)"
        scale = version.scale
        schemaNode = schema.node(group: model.group, version: version.name, kind: model.kind)
        if version.deprecated {
            deprecationWarning = version.deprecationWarning ?? "\(model.group)/\(version.name) \(model.kind) is deprecated"
        } else {
            deprecationWarning = nil
        }
    }

    /// The store of this version: objects are kept in the storage version and read back as this one,
    /// defaulted by this version's schema.
    func store(kv: any KeyValueStore) -> ResourceStore {
        var s = ResourceStore(info: info, kv: kv)
        let defaulter = strategy.defaulter
        s.custom = CustomResourceCodec(storageAPIVersion: storageAPIVersion, apiVersion: info.apiVersion, defaulter: defaulter)
        return s
    }
}

/// How a custom resource's stored bytes map to a served version: only `apiVersion` differs (conversion
/// strategy None), and the served version's defaults are applied on every read.
struct CustomResourceCodec: Sendable {
    let storageAPIVersion: String
    let apiVersion: String
    let defaulter: SchemaDefaulter?

    func fromStorage(_ object: JSON) -> JSON {
        var o = object
        o["apiVersion"] = .string(apiVersion)
        defaulter?.apply(&o)
        return o
    }

    func toStorage(_ object: JSON) -> JSON {
        var o = object
        o["apiVersion"] = .string(storageAPIVersion)
        return o
    }
}
