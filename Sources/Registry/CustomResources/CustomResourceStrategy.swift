import APIMachinery

/// The strategy of one served version of a custom resource (upstream's `customResourceStrategy`):
/// structural defaulting, schema and `x-kubernetes-validations` validation, and the status subresource's
/// split of what a write through the main resource or `/status` may change.
public struct CustomResourceStrategy: StatusValidatingStrategy {
    public let info: ResourceInfo
    public let hasStatus: Bool
    public let validator: SchemaValueValidator?
    public let rules: SchemaRuleValidator?
    public let pruner: SchemaPruner?
    public let defaulter: SchemaDefaulter?
    /// The CRD version's `selectableFields`, as field-selector names ("spec.color") and object paths.
    public let selectable: [(name: String, path: [String])]

    public init(info: ResourceInfo, version: CustomResourceDefinitionModel.Version) {
        self.info = info
        hasStatus = version.statusSubresource
        selectable = version.selectableFields.map { p in
            let trimmed = p.hasPrefix(".") ? String(p.dropFirst()) : p
            return (trimmed, trimmed.split(separator: ".").map(String.init))
        }
        if let schema = version.schema {
            validator = SchemaValueValidator(schema: schema)
            let r = SchemaRuleValidator(schema: schema)
            rules = r.isEmpty ? nil : r
            pruner = SchemaPruner(schema: schema)
            let d = SchemaDefaulter(schema: schema)
            defaulter = d.hasDefaults ? d : nil
        } else {
            validator = nil
            rules = nil
            pruner = nil
            defaulter = nil
        }
    }

    /// metadata.name, metadata.namespace and the CRD's `selectableFields` (upstream formats their scalar values).
    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        for (name, path) in selectable {
            switch object[path: path] {
            case .string(let s)?: f[name] = s
            case .int(let i)?: f[name] = String(i)
            case .bool(let b)?: f[name] = b ? "true" : "false"
            default: f[name] = ""
            }
        }
        return f
    }

    public func applyDefaults(_ object: inout JSON) {
        defaulter?.apply(&object)
    }

    public func prepareForCreate(_ object: inout JSON) {
        if hasStatus { object["status"] = nil }
        object[path: ["metadata", "generation"]] = 1
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        if hasStatus { object["status"] = old["status"] }
        let g = old[path: ["metadata", "generation"]]?.int ?? 1
        object[path: ["metadata", "generation"]] = .int(Self.contentChanged(object, old, ignoringStatus: hasStatus) ? g + 1 : g)
    }

    /// Whether anything but metadata (and, with a status subresource, status) differs.
    static func contentChanged(_ a: JSON, _ b: JSON, ignoringStatus: Bool) -> Bool {
        var x = a, y = b
        for k in ["metadata", "apiVersion", "kind"] { x[k] = nil; y[k] = nil }
        if ignoringStatus { x["status"] = nil; y["status"] = nil }
        return !Semantic.equal(x, y)
    }

    public func validate(_ object: JSON) -> [FieldError] {
        validate(object, old: nil)
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validate(object, old: old)
    }

    /// Schema validation, then the rules — unless a type or enum error makes evaluating them meaningless
    /// (upstream's `hasBlockingErr`), which is said in one more error.
    private func validate(_ object: JSON, old: JSON?) -> [FieldError] {
        let errs = validator?.validate(object) ?? []
        guard let rules else { return errs }
        let blocking = errs.contains { $0.kind == .notSupported || ($0.kind == .invalid && $0.detail.contains(" in body must be of type ")) }
        if blocking {
            return errs + [FieldError(.invalid, "<nil>", value: "null",
                                      detail: "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")]
        }
        return errs + rules.validate(object, old: old)
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validateUpdate(object, old: old)
    }
}
