import APIMachinery

/// Upstream's `DefaultIngressClass` admission plugin, as a pure function over the Ingress being created (the
/// API server supplies the IngressClasses): an Ingress that names no class, by field or by the legacy
/// `kubernetes.io/ingress.class` annotation, gets the cluster's default class in `spec.ingressClassName`.
public enum IngressAdmission {
    public static let isDefaultClass = "ingressclass.kubernetes.io/is-default-class"
    public static let legacyClassAnnotation = "kubernetes.io/ingress.class"

    /// Of the classes annotated as default, the newest (`DefaultClassChoice`).
    public static func defaultClass(among classes: [JSON]) -> String? {
        DefaultClassChoice.newest(among: classes) { $0[path: ["metadata", "annotations", isDefaultClass]]?.string == "true" }
    }

    public static func setDefaultClass(_ ingress: inout JSON, classes: [JSON]) {
        if let set = ingress[path: ["spec", "ingressClassName"]], !set.isNull { return }
        if ingress[path: ["metadata", "annotations", legacyClassAnnotation]] != nil { return }
        guard let name = defaultClass(among: classes) else { return }
        ingress[path: ["spec", "ingressClassName"]] = .string(name)
    }
}
