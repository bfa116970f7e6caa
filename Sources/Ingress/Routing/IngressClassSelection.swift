import APIMachinery

/// Which Ingresses are this controller's: those whose class is one of the IngressClasses naming the
/// controller in `spec.controller`, by `spec.ingressClassName` or the older `kubernetes.io/ingress.class`
/// annotation; and those with no class at all when one of those classes is marked the cluster's default
/// (`ingressclass.kubernetes.io/is-default-class: "true"`), as ingress-nginx's `--watch-ingress-without-class`
/// does for its default class.
public struct IngressClassSelection: Sendable, Equatable {
    public static let defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
    public static let legacyClassAnnotation = "kubernetes.io/ingress.class"

    /// Names of the classes whose `spec.controller` is ours.
    public var classes: Set<String>
    /// One of them is the default class.
    public var includesDefault: Bool

    public init(classes: Set<String>, includesDefault: Bool) {
        self.classes = classes
        self.includesDefault = includesDefault
    }

    public init(ingressClasses: [JSON], controller: String) {
        let ours = ingressClasses.filter { $0[path: ["spec", "controller"]]?.string == controller }
        classes = Set(ours.compactMap { $0[path: ["metadata", "name"]]?.string })
        includesDefault = ours.contains { $0[path: ["metadata", "annotations", Self.defaultClassAnnotation]]?.string == "true" }
    }

    public func selects(_ ingress: JSON) -> Bool {
        if let name = ingress[path: ["spec", "ingressClassName"]]?.string { return classes.contains(name) }
        if let name = ingress[path: ["metadata", "annotations", Self.legacyClassAnnotation]]?.string { return classes.contains(name) }
        return includesDefault
    }
}
