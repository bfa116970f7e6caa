import APIMachinery

/// Namespaces: `SetDefaults_Namespace` (the `kubernetes.io/metadata.name` label),
/// `SetDefaults_NamespaceStatus` (phase Active), `namespaceStrategy` (the "kubernetes" finalizer added
/// on create, spec finalizers and status kept on update) and `ValidateNamespace`. Field selector:
/// `status.phase`.
public struct NamespaceStrategy: ResourceStrategy, StatusValidatingStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        Self.setNameLabel(&object)
        object.defaultIfNil("status", [:])
        object.editObject("status") { $0.defaultIfZero("phase", "Active") }
    }

    /// The label must follow the name; with generateName the name is known only after generation, so
    /// the prepare hooks set it again (upstream's Canonicalize).
    static func setNameLabel(_ object: inout JSON) {
        guard let name = object["metadata"]?["name"]?.string, !name.isEmpty else { return }
        object[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = .string(name)
    }

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["phase": "Active"]
        var finalizers = stringList(object["spec"]?["finalizers"])
        if !finalizers.contains("kubernetes") { finalizers.append("kubernetes") }
        object[path: ["spec", "finalizers"]] = .array(finalizers.map { .string($0) })
        Self.setNameLabel(&object)
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object[path: ["spec", "finalizers"]] = old["spec"]?["finalizers"]
        object["status"] = old["status"]
        Self.setNameLabel(&object)
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        merged["status"] = object["status"]
        object = merged
    }

    /// Through `/finalize` only the spec finalizers change.
    public func prepareForFinalize(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        merged[path: ["spec", "finalizers"]] = object["spec"]?["finalizers"]
        object = merged
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let path = FieldPath("spec", "finalizers")
        for f in stringList(object["spec"]?["finalizers"]) { errs += Self.validateFinalizerName(f, path) }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { [] }

    /// `ValidateNamespaceFinalizeUpdate`: each spec finalizer valid (reported by index).
    public func validateFinalize(_ object: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, f) in stringList(object["spec"]?["finalizers"]).enumerated() {
            errs += Self.validateFinalizerName(f, FieldPath("spec", "finalizers").index(i))
        }
        return errs
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        let phase = object["status"]?["phase"]?.string ?? ""
        let path = FieldPath("status", "Phase")
        if object["metadata"]?["deletionTimestamp"]?.string == nil {
            return phase == "Active" ? [] : [.invalid(path, phase, "may only be 'Active' if `deletionTimestamp` is empty")]
        }
        return phase == "Terminating" ? [] : [.invalid(path, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")]
    }

    static func validateFinalizerName(_ f: String, _ path: FieldPath) -> [FieldError] {
        var errs = isQualifiedName(f).map { FieldError.invalid(path, f, $0) }
        if !f.contains("/") && !standardFinalizers.contains(f) {
            errs.append(.invalid(path, f, "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errs
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["status.phase"] = object["status"]?["phase"]?.string ?? ""
        return f
    }
}
