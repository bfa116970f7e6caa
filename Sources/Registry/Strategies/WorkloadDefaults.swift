import APIMachinery

/// Defaults shared by the pod templates of deployments and replica sets.
enum WorkloadDefaults {
    /// Template defaults: the pod-spec defaults (not the pod-only ones), and the template's
    /// `metadata.creationTimestamp: null` that upstream's v1.32 encoder always writes for the embedded
    /// ObjectMeta.
    static func applyTemplateDefaults(_ spec: inout JSON) {
        spec.defaultIfNil("template", [:])
        spec.editObject("template") { t in
            t.defaultIfNil("metadata", [:])
            t.editObject("metadata") { m in if m["creationTimestamp"] == nil { m["creationTimestamp"] = .null } }
            t.defaultIfNil("spec", [:])
            t.editObject("spec") { PodSpecDefaults.applySpecDefaults(&$0) }
        }
    }
}
