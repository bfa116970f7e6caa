import APIMachinery

/// Per-kind behaviour the generic REST handlers call: defaulting, validation, what an update may change,
/// and which fields can be selected. Upstream's `rest.RESTCreateStrategy`/`RESTUpdateStrategy` in one.
///
/// The handlers own everything generic (metadata, uid, timestamps, resourceVersion, name validation,
/// finalizers); a strategy only says what is particular to its kind. All methods work on JSON objects that
/// already carry `apiVersion`, `kind` and `metadata`.
public protocol ResourceStrategy: Sendable {
    var info: ResourceInfo { get }

    /// Fills unset fields with upstream's defaults (e.g. a pod's `restartPolicy: Always`).
    func applyDefaults(_ object: inout JSON)

    /// Adjusts a new object before validation: e.g. drop `status` for kinds with a status subresource,
    /// set `metadata.generation` to 1.
    func prepareForCreate(_ object: inout JSON)

    /// Adjusts an update of the main resource: e.g. keep the old `status`, bump `metadata.generation` when
    /// the spec changed.
    func prepareForUpdate(_ object: inout JSON, old: JSON)

    /// Adjusts an update through `/status`: keep everything of the old object but `status`.
    func prepareForStatusUpdate(_ object: inout JSON, old: JSON)

    /// Kind-specific validation of a new object (the handlers validate metadata themselves).
    func validate(_ object: JSON) -> [FieldError]

    /// Kind-specific validation of an update, including fields that may not change.
    func validateUpdate(_ object: JSON, old: JSON) -> [FieldError]

    /// Field-selector values: `metadata.name` and `metadata.namespace` always, plus the kind's own
    /// (`spec.nodeName`, `status.phase`, `involvedObject.name`, ...).
    func selectableFields(_ object: JSON) -> [String: String]
}

extension ResourceStrategy {
    public func applyDefaults(_ object: inout JSON) {}

    public func prepareForCreate(_ object: inout JSON) {
        if info.hasSubresource("status") { object["status"] = nil }
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        if info.hasSubresource("status") { object["status"] = old["status"] }
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["status"] = object["status"]
        merged["metadata"] = object["metadata"]
        object = merged
    }

    public func validate(_ object: JSON) -> [FieldError] { [] }
    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }

    public func selectableFields(_ object: JSON) -> [String: String] {
        defaultSelectableFields(object)
    }

    public func defaultSelectableFields(_ object: JSON) -> [String: String] {
        var f = ["metadata.name": object[path: ["metadata", "name"]]?.string ?? ""]
        if info.namespaced { f["metadata.namespace"] = object[path: ["metadata", "namespace"]]?.string ?? "" }
        return f
    }
}

/// A kind with no behaviour beyond the generic handlers' and the schema's required string fields.
public struct GenericStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        guard let root = Schema.shared.node(group: info.group, version: info.version, kind: info.kind) else { return [] }
        return SchemaRequired.missingStrings(object, root, nil)
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}

/// The fields a schema marks required that upstream's validation also insists on for any kind: strings
/// (an absent string decodes to "" and fails its own check). Lists, numbers and booleans decode to valid
/// zero values upstream, so their absence is not reported.
enum SchemaRequired {
    static func missingStrings(_ value: JSON, _ node: SchemaNode, _ path: FieldPath?, depth: Int = 0) -> [FieldError] {
        guard depth < 12, node.isStruct else { return [] }
        var errs: [FieldError] = []
        for name in node.required where name != "apiVersion" && name != "kind" && name != "metadata" {
            guard let child = node.property(name) else { continue }
            let v = value[name]
            if (v == nil || v!.isNull), child.type == "string", !child.isIntOrString {
                errs.append(.required(path.map { $0.child(name) } ?? FieldPath(name)))
            }
        }
        guard case .object(let fields) = value else { return errs }
        for key in fields.keys.sorted() where key != "metadata" && key != "status" {
            guard let child = node.property(key), let v = fields[key] else { continue }
            let childPath = path.map { $0.child(key) } ?? FieldPath(key)
            if case .array(let items) = v, let itemNode = child.items {
                for (i, item) in items.enumerated() { errs += missingStrings(item, itemNode, childPath.index(i), depth: depth + 1) }
            } else if v.isObject {
                errs += missingStrings(v, child, childPath, depth: depth + 1)
            }
        }
        return errs
    }
}
