import APIMachinery

/// Evaluates a schema's `x-kubernetes-validations` rules on a custom resource (and, for transition rules
/// reading `oldSelf`, against the old object at the same place) with upstream's error shapes:
///
///     spec: Invalid value: "object": failed rule: self.replicas <= self.maxReplicas
///     spec: Invalid value: "object": replicas must not exceed maxReplicas      (the rule's `message`)
public struct SchemaRuleValidator: Sendable {
    public let root: JSON
    private let programs: [String: CELProgram]

    public init(schema: JSON) {
        root = schema
        var p: [String: CELProgram] = [:]
        Self.collect(schema, into: &p)
        programs = p
    }

    public var isEmpty: Bool { programs.isEmpty }

    private static func collect(_ s: JSON, into p: inout [String: CELProgram]) {
        guard case .object(let o) = s else { return }
        for rule in o["x-kubernetes-validations"]?.array ?? [] {
            if let text = rule["rule"]?.string, p[text] == nil, let prog = try? CELProgram(text) { p[text] = prog }
        }
        for (_, v) in o["properties"]?.object ?? [:] { collect(v, into: &p) }
        if let i = o["items"] { collect(i, into: &p) }
        if let a = o["additionalProperties"] { collect(a, into: &p) }
    }

    public func validate(_ object: JSON, old: JSON?) -> [FieldError] {
        guard !programs.isEmpty else { return [] }
        var errs: [FieldError] = []
        walk(object, old, root, path: "", into: &errs)
        return errs
    }

    private func join(_ p: String, _ k: String) -> String { p.isEmpty ? k : "\(p).\(k)" }

    private func walk(_ value: JSON, _ old: JSON?, _ schema: JSON, path: String, into errs: inout [FieldError]) {
        guard schema.isObject, !value.isNull else { return }
        for rule in schema["x-kubernetes-validations"]?.array ?? [] {
            guard let text = rule["rule"]?.string, let program = programs[text] else { continue }
            if program.isTransitionRule && old == nil && rule["optionalOldSelf"]?.bool != true { continue }
            let type = schema["type"]?.string ?? (schema["x-kubernetes-int-or-string"]?.bool == true ? "string" : "object")
            var field = path.isEmpty ? "<nil>" : path
            if let fp = rule["fieldPath"]?.string, !fp.isEmpty { field = path + fp }
            let kind: FieldError.Kind
            switch rule["reason"]?.string {
            case "FieldValueRequired": kind = .required
            case "FieldValueDuplicate": kind = .duplicate
            case "FieldValueForbidden": kind = .forbidden
            default: kind = .invalid
            }
            do {
                if try program.evaluate(self: value, oldSelf: old) { continue }
                let message = rule["message"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "failed rule: \(text)"
                errs.append(FieldError(kind, field, value: "\"\(type)\"", detail: message))
            } catch {
                errs.append(FieldError(.invalid, field, value: "\"\(type)\"", detail: "\(error.message) evaluating rule: \(text)"))
            }
        }
        switch value {
        case .object(let fields):
            let props = schema["properties"]?.object
            for key in fields.keys.sorted() {
                if path.isEmpty && (key == "metadata" || key == "apiVersion" || key == "kind") { continue }
                if let child = props?[key] {
                    walk(fields[key]!, old?[key], child, path: join(path, key), into: &errs)
                } else if let extra = schema["additionalProperties"], extra.isObject {
                    walk(fields[key]!, old?[key], extra, path: "\(path)[\(key)]", into: &errs)
                }
            }
        case .array(let items):
            guard let itemSchema = schema["items"] else { return }
            // Items of a map-typed list correlate with the old item of the same keys; others have no oldSelf.
            let keys = schema["x-kubernetes-list-map-keys"]?.array?.compactMap(\.string) ?? []
            for (i, item) in items.enumerated() {
                var oldItem: JSON? = nil
                if schema["x-kubernetes-list-type"]?.string == "map", !keys.isEmpty, let oldItems = old?.array {
                    oldItem = oldItems.first { o in keys.allSatisfy { o[$0] == item[$0] } }
                }
                walk(item, oldItem, itemSchema, path: "\(path)[\(i)]", into: &errs)
            }
        default:
            break
        }
    }
}
