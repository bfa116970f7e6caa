import APIMachinery
import Foundation

/// Validates a custom resource against its version's structural schema, with the errors upstream's
/// apiextensions-apiserver reports (kube-openapi's validator converted by `ConvertSchemaValidationErrors`):
///
///     spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
///     spec.size: Unsupported value: "XL": supported values: "S", "M"
///     spec.image: Required value
///
/// `metadata` is not walked (ObjectMeta has its own validation); the other top-level fields are.
public struct SchemaValueValidator: Sendable {
    public let root: JSON

    public init(schema: JSON) { root = schema }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        guard case .object(let fields) = object else { return errs }
        for name in (root["required"]?.array ?? []).compactMap(\.string) where name != "metadata" && name != "apiVersion" && name != "kind" {
            if fields[name] == nil { errs.append(FieldError(.required, name)) }
        }
        for key in fields.keys.sorted() where key != "metadata" && key != "apiVersion" && key != "kind" {
            if let child = root["properties"]?[key] {
                walk(fields[key]!, child, path: key, into: &errs)
            }
        }
        return errs
    }

    static func numberText(_ v: JSON) -> String {
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        default: return v.jsonString
        }
    }

    /// Go's `%#v` of a decoded JSON value as `field.Error` prints it.
    static func valueText(_ v: JSON) -> String {
        switch v {
        case .string(let s): return "\"\(s)\""
        case .int, .double: return numberText(v)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return v.jsonString
        }
    }

    /// Whether `value` has the schema's JSON type (integers are numbers; int-or-string takes either).
    static func typeMatches(_ value: JSON, _ schema: JSON) -> Bool {
        if schema["x-kubernetes-int-or-string"]?.bool == true {
            switch value {
            case .string, .int: return true
            case .double(let d): return d == d.rounded()
            default: return false
            }
        }
        guard let type = schema["type"]?.string, !type.isEmpty else { return true }
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("number", .int), ("number", .double),
             ("integer", .int): return true
        case ("integer", .double(let d)): return d == d.rounded()
        default: return false
        }
    }

    private func walk(_ value: JSON, _ schema: JSON, path: String, into errs: inout [FieldError]) {
        if value.isNull {
            if schema["nullable"]?.bool == true || schema["type"] == nil { return }
            if schema["x-kubernetes-preserve-unknown-fields"]?.bool == true, schema["type"] == nil { return }
            let type = schema["type"]?.string ?? "object"
            errs.append(FieldError(.invalid, path, value: "\"null\"", detail: "\(path) in body must be of type \(type): \"null\""))
            return
        }
        if !Self.typeMatches(value, schema) {
            let type = schema["type"]?.string ?? "integer"
            let expected = schema["x-kubernetes-int-or-string"]?.bool == true ? "integer,string" : type
            errs.append(FieldError(.invalid, path, value: "\"\(value.typeName)\"",
                                   detail: "\(path) in body must be of type \(expected): \"\(value.typeName)\""))
            return
        }
        if let allowed = schema["enum"]?.array, !allowed.isEmpty, !allowed.contains(where: { Semantic.equal($0, value) }) {
            let list = allowed.map { a -> String in a.string.map { "\"\($0)\"" } ?? a.jsonString }
            errs.append(FieldError(.notSupported, path, value: Self.valueText(value), detail: "supported values: " + list.joined(separator: ", ")))
        }
        switch value {
        case .string(let s):
            checkString(s, schema, path: path, into: &errs)
        case .int, .double:
            checkNumber(value, schema, path: path, into: &errs)
        case .array(let items):
            if let min = schema["minItems"]?.int, items.count < min {
                errs.append(FieldError(.invalid, path, value: String(items.count), detail: "\(path) in body should have at least \(min) items"))
            }
            if let max = schema["maxItems"]?.int, items.count > max {
                errs.append(FieldError(.tooMany, path, value: String(items.count), detail: "must have at most \(max) items"))
            }
            if schema["uniqueItems"]?.bool == true || schema["x-kubernetes-list-type"]?.string == "set" {
                for (i, item) in items.enumerated() where items[..<i].contains(where: { Semantic.equal($0, item) }) {
                    errs.append(FieldError(.duplicate, "\(path)[\(i)]", value: Self.valueText(item)))
                }
            }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { walk(item, itemSchema, path: "\(path)[\(i)]", into: &errs) }
            }
        case .object(let fields):
            if let min = schema["minProperties"]?.int, fields.count < min {
                errs.append(FieldError(.invalid, path, value: String(fields.count), detail: "\(path) in body should have at least \(min) properties"))
            }
            if let max = schema["maxProperties"]?.int, fields.count > max {
                errs.append(FieldError(.tooMany, path, value: String(fields.count), detail: "must have at most \(max) items"))
            }
            for name in (schema["required"]?.array ?? []).compactMap(\.string) where fields[name] == nil {
                errs.append(FieldError(.required, "\(path).\(name)"))
            }
            // An embedded object is a resource of its own: it names its apiVersion and kind.
            if schema["x-kubernetes-embedded-resource"]?.bool == true {
                for key in ["apiVersion", "kind"] where fields[key] == nil {
                    errs.append(FieldError(.required, "\(path).\(key)", detail: "must not be empty"))
                }
            }
            let props = schema["properties"]?.object
            let extra = schema["additionalProperties"]
            for key in fields.keys.sorted() {
                if let child = props?[key] {
                    walk(fields[key]!, child, path: "\(path).\(key)", into: &errs)
                } else if let extra, extra.isObject {
                    walk(fields[key]!, extra, path: "\(path)[\(key)]", into: &errs)
                }
            }
        default:
            break
        }
    }

    private func checkString(_ s: String, _ schema: JSON, path: String, into errs: inout [FieldError]) {
        let length = s.count
        if let min = schema["minLength"]?.int, length < min {
            errs.append(FieldError(.invalid, path, value: "\"\(s)\"", detail: "\(path) in body should be at least \(min) chars long"))
        }
        if let max = schema["maxLength"]?.int, length > max {
            errs.append(FieldError(.tooLong, path, detail: "may not be more than \(max) \(max == 1 ? "byte" : "bytes")"))
        }
        if let pattern = schema["pattern"]?.string, let re = try? NSRegularExpression(pattern: pattern),
           re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
            errs.append(FieldError(.invalid, path, value: "\"\(s)\"", detail: "\(path) in body should match '\(pattern)'"))
        }
        if let format = schema["format"]?.string, !SchemaFormats.matches(s, format: format) {
            errs.append(FieldError(.invalid, path, value: "\"\(s)\"", detail: "\(path) in body must be of type \(format): \"\(s)\""))
        }
    }

    private func checkNumber(_ v: JSON, _ schema: JSON, path: String, into errs: inout [FieldError]) {
        guard let x = v.double else { return }
        let text = Self.numberText(v)
        if let min = schema["minimum"], let m = min.double {
            if schema["exclusiveMinimum"]?.bool == true, x <= m {
                errs.append(FieldError(.invalid, path, value: text, detail: "\(path) in body should be greater than \(Self.numberText(min))"))
            } else if x < m {
                errs.append(FieldError(.invalid, path, value: text, detail: "\(path) in body should be greater than or equal to \(Self.numberText(min))"))
            }
        }
        if let max = schema["maximum"], let m = max.double {
            if schema["exclusiveMaximum"]?.bool == true, x >= m {
                errs.append(FieldError(.invalid, path, value: text, detail: "\(path) in body should be less than \(Self.numberText(max))"))
            } else if x > m {
                errs.append(FieldError(.invalid, path, value: text, detail: "\(path) in body should be less than or equal to \(Self.numberText(max))"))
            }
        }
        if let mult = schema["multipleOf"], let m = mult.double, m > 0, (x / m) != (x / m).rounded() {
            errs.append(FieldError(.invalid, path, value: text, detail: "\(path) in body should be a multiple of \(Self.numberText(mult))"))
        }
    }
}

/// The string formats upstream's validator checks (kube-openapi's `strfmt` registry); unknown formats pass.
enum SchemaFormats {
    static func matches(_ s: String, format: String) -> Bool {
        switch format {
        case "date-time", "datetime":
            return RFC3339Check.dateTime(s)
        case "date":
            return s.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil
        case "uuid":
            return s.range(of: #"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"#, options: .regularExpression) != nil
        case "ipv4":
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            return parts.count == 4 && parts.allSatisfy { p in p.count <= 3 && Int(p).map { $0 >= 0 && $0 <= 255 } == true && p.allSatisfy(\.isNumber) }
        case "ipv6":
            return s.contains(":") && s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        case "byte":
            return Data(base64Encoded: s) != nil
        case "email":
            return s.range(of: #"^[^@\s]+@[^@\s]+$"#, options: .regularExpression) != nil
        default:
            return true
        }
    }
}

enum RFC3339Check {
    static func dateTime(_ s: String) -> Bool {
        s.range(of: #"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"#, options: .regularExpression) != nil
    }
}
