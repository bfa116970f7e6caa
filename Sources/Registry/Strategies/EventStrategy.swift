import APIMachinery

/// Core/v1 Events: upstream validates them only with `legacyValidateEvent` (involvedObject namespace
/// agreeing with the event's, the reporting fields of new-style events, a DNS-subdomain namespace);
/// the encoder always writes the struct and non-omitempty fields (`eventTime: null`,
/// `reportingComponent: ""`, `source: {}`, ...). Field selectors: the involvedObject fields, reason,
/// reportingComponent, source and type.
public struct EventStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfNil("involvedObject", [:])
        object.defaultIfNil("source", [:])
        for key in ["firstTimestamp", "lastTimestamp", "eventTime"] where object[key] == nil { object[key] = .null }
        object.defaultIfNil("reportingComponent", "")
        object.defaultIfNil("reportingInstance", "")
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let namespace = object["metadata"]?["namespace"]?.string ?? ""
        let involvedNamespace = object["involvedObject"]?["namespace"]?.string ?? ""
        let nsPath = FieldPath("involvedObject", "namespace")
        let mismatch = FieldError.invalid(nsPath, involvedNamespace, "does not match event.namespace")
        if Semantic.isZeroValue(object["eventTime"]) {
            if involvedNamespace.isEmpty {
                if !namespace.isEmpty && namespace != "default" { errs.append(mismatch) }
            } else if namespace != involvedNamespace {
                errs.append(mismatch)
            }
        } else {
            if involvedNamespace.isEmpty && namespace != "default" && namespace != "kube-system" { errs.append(mismatch) }
            let controller = object["reportingComponent"]?.string ?? ""
            if controller.isEmpty { errs.append(.required(FieldPath("reportingController"))) }
            errs += isQualifiedName(controller).map { .invalid(FieldPath("reportingController"), controller, $0) }
            let instance = object["reportingInstance"]?.string ?? ""
            if instance.isEmpty { errs.append(.required(FieldPath("reportingInstance"))) }
            if instance.utf8.count > 128 { errs.append(.invalid(FieldPath("reportingInstance"), "", "can have at most 128 characters")) }
            let action = object["action"]?.string ?? ""
            if action.isEmpty { errs.append(.required(FieldPath("action"))) }
            if action.utf8.count > 128 { errs.append(.invalid(FieldPath("action"), "", "can have at most 128 characters")) }
            let reason = object["reason"]?.string ?? ""
            if reason.isEmpty { errs.append(.required(FieldPath("reason"))) }
            if reason.utf8.count > 128 { errs.append(.invalid(FieldPath("reason"), "", "can have at most 128 characters")) }
            if (object["message"]?.string ?? "").utf8.count > 1024 {
                errs.append(.invalid(FieldPath("message"), "", "can have at most 1024 characters"))
            }
        }
        errs += isDNS1123Subdomain(namespace).map { .invalid(FieldPath("namespace"), namespace, $0) }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        let io = object["involvedObject"]
        for key in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            f["involvedObject." + key] = io?[key]?.string ?? ""
        }
        f["reason"] = object["reason"]?.string ?? ""
        f["reportingComponent"] = object["reportingComponent"]?.string ?? ""
        let component = object["source"]?["component"]?.string ?? ""
        f["source"] = component.isEmpty ? (object["reportingComponent"]?.string ?? "") : component
        f["type"] = object["type"]?.string ?? ""
        return f
    }
}
