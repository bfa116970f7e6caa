import APIMachinery
import Foundation

/// Upstream's `ValidateCustomResourceDefinition` (apiextensions.k8s.io/v1): the name, group, names, scope,
/// versions (exactly one storage version, unique DNS-1035 names, a schema each) and every version's
/// schema must be structural, with its `x-kubernetes-validations` rules compiling.
enum CustomResourceDefinitionValidation {
    static func validate(_ crd: JSON) -> [FieldError] {
        let spec = crd["spec"] ?? [:], path = FieldPath("spec")
        var errs: [FieldError] = []
        let group = spec["group"]?.string ?? ""
        let names = spec["names"] ?? [:]
        let plural = names["plural"]?.string ?? ""
        let name = crd[path: ["metadata", "name"]]?.string ?? ""
        if name != "\(plural).\(group)" {
            errs.append(.invalid(FieldPath("metadata", "name"), name, "must be spec.names.plural+\".\"+spec.group"))
        }
        if group.isEmpty {
            errs.append(.required(path.child("group")))
        } else {
            let e = isDNS1123Subdomain(group)
            if !e.isEmpty { errs.append(.invalid(path.child("group"), group, e.joined(separator: ","))) }
            if group.split(separator: ".", omittingEmptySubsequences: false).count < 2 {
                errs.append(.invalid(path.child("group"), group, "should be a domain with at least one dot"))
            }
        }
        let scope = spec["scope"]?.string ?? ""
        if scope.isEmpty { errs.append(.required(path.child("scope"))) }
        else if scope != "Cluster" && scope != "Namespaced" { errs.append(.notSupported(path.child("scope"), scope, ["Cluster", "Namespaced"])) }
        errs += validateNames(names, path.child("names"))
        errs += validateVersions(spec["versions"]?.array ?? [], path.child("versions"))
        if let strategy = spec["conversion"]?["strategy"]?.string, strategy != "None" && strategy != "Webhook" {
            errs.append(.notSupported(path.child("conversion", "strategy"), strategy, ["None", "Webhook"]))
        }
        return errs
    }

    static func validateNames(_ names: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let plural = names["plural"]?.string ?? "", singular = names["singular"]?.string ?? ""
        let kind = names["kind"]?.string ?? "", listKind = names["listKind"]?.string ?? ""
        for (field, value) in [("plural", plural), ("singular", singular)] {
            if value.isEmpty { errs.append(.required(path.child(field))); continue }
            let e = isDNS1035Label(value)
            if !e.isEmpty { errs.append(.invalid(path.child(field), value, e.joined(separator: ","))) }
        }
        for (field, value) in [("kind", kind), ("listKind", listKind)] {
            if value.isEmpty { errs.append(.required(path.child(field))); continue }
            let e = isDNS1035Label(value.lowercased())
            if !e.isEmpty {
                errs.append(.invalid(path.child(field), value, "may have mixed case, but should otherwise match: " + e.joined(separator: ",")))
            }
        }
        if !kind.isEmpty, kind == listKind {
            errs.append(.invalid(path.child("listKind"), listKind, "kind and listKind may not be the same"))
        }
        for (key, field) in [("shortNames", "shortNames"), ("categories", "categories")] {
            for (i, v) in (names[key]?.array ?? []).enumerated() {
                let s = v.string ?? ""
                let e = isDNS1035Label(s)
                if !e.isEmpty { errs.append(.invalid(path.child(field).index(i), s, e.joined(separator: ","))) }
            }
        }
        return errs
    }

    static func validateVersions(_ versions: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if versions.isEmpty {
            return [.required(path, "must have exactly one version marked as storage version")]
        }
        var seen: Set<String> = []
        var unique = true
        for (i, v) in versions.enumerated() {
            let vp = path.index(i)
            let name = v["name"]?.string ?? ""
            if !seen.insert(name).inserted { unique = false }
            let e = isDNS1035Label(name)
            if !e.isEmpty { errs.append(.invalid(vp.child("name"), name, e.joined(separator: ","))) }
            guard let schema = v["schema"]?["openAPIV3Schema"], schema.isObject else {
                errs.append(.required(vp.child("schema", "openAPIV3Schema"), "schemas are required"))
                continue
            }
            errs += StructuralSchemaCheck.validate(schema, vp.child("schema", "openAPIV3Schema"))
            errs += validateColumns(v["additionalPrinterColumns"]?.array ?? [], vp.child("additionalPrinterColumns"))
            if let scale = v["subresources"]?["scale"], scale.isObject {
                let sp = vp.child("subresources", "scale")
                for key in ["specReplicasPath", "statusReplicasPath"] {
                    let p = scale[key]?.string ?? ""
                    if p.isEmpty { errs.append(.required(sp.child(key))) }
                    else if !p.hasPrefix(".") { errs.append(.invalid(sp.child(key), p, "should be a json path under either .spec or .status")) }
                }
            }
        }
        let summary = "[]apiextensions.CustomResourceDefinitionVersion{...}"
        if !unique { errs.append(FieldError(.invalid, path.description, value: summary, detail: "must contain unique version names")) }
        if versions.filter({ $0["storage"]?.bool == true }).count != 1 {
            errs.append(FieldError(.invalid, path.description, value: summary, detail: "must have exactly one version marked as storage version"))
        }
        return errs
    }

    static func validateColumns(_ columns: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let types = ["date", "integer", "number", "string", "boolean"]
        for (i, c) in columns.enumerated() {
            let cp = path.index(i)
            if (c["name"]?.string ?? "").isEmpty { errs.append(.required(cp.child("name"))) }
            let t = c["type"]?.string ?? ""
            if t.isEmpty { errs.append(.required(cp.child("type"))) }
            else if !types.contains(t) { errs.append(.notSupported(cp.child("type"), t, types)) }
            let j = c["jsonPath"]?.string ?? ""
            if j.isEmpty { errs.append(.required(cp.child("jsonPath"))) }
        }
        return errs
    }
}

/// Upstream's `ValidateStructural` over a CRD version's `openAPIV3Schema`, plus the compilation of its
/// `x-kubernetes-validations` rules. Errors come sorted by their text, as upstream sorts them.
public enum StructuralSchemaCheck {
    enum Level { case root, item, field }

    public static func validate(_ schema: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        walk(schema, .root, path, &errs)
        return errs.sorted { $0.message < $1.message }
    }

    private static func walk(_ s: JSON, _ level: Level, _ path: FieldPath, _ errs: inout [FieldError]) {
        guard case .object = s else { return }
        let type = s["type"]?.string ?? ""
        let intOrString = s["x-kubernetes-int-or-string"]?.bool == true
        let preserve = s["x-kubernetes-preserve-unknown-fields"]?.bool == true
        let embedded = s["x-kubernetes-embedded-resource"]?.bool == true
        if type == "array", s["items"] == nil { errs.append(.required(path.child("items"), "must be specified")) }
        if let items = s["items"] { walk(items, .item, path.child("items"), &errs) }
        for (k, v) in s["properties"]?.object ?? [:] { walk(v, .field, path.child("properties").key(k), &errs) }
        if let extra = s["additionalProperties"] {
            if level == .root { errs.append(.forbidden(path.child("additionalProperties"), "must not be used at the root")) }
            if s["properties"] != nil {
                errs.append(.forbidden(path.child("additionalProperties"), "additionalProperties and properties are mutual exclusive"))
            }
            if extra.isObject { walk(extra, .field, path.child("additionalProperties"), &errs) }
        }
        if s["$ref"] != nil { errs.append(.forbidden(path.child("$ref"), "$ref is not supported")) }
        if intOrString && preserve {
            errs.append(FieldError(.invalid, path.child("x-kubernetes-preserve-unknown-fields").description, value: "true", detail: "must be false if x-kubernetes-int-or-string is true"))
        }
        if embedded && type != "object" {
            if type.isEmpty { errs.append(.required(path.child("type"), "must be object if x-kubernetes-embedded-resource is true")) }
            else { errs.append(.invalid(path.child("type"), type, "must be object if x-kubernetes-embedded-resource is true")) }
        } else if type.isEmpty && !intOrString && !preserve {
            switch level {
            case .root: errs.append(.required(path.child("type"), "must not be empty at the root"))
            case .item: errs.append(.required(path.child("type"), "must not be empty for specified array items"))
            case .field: errs.append(.required(path.child("type"), "must not be empty for specified object fields"))
            }
        }
        if level == .root && !type.isEmpty && type != "object" {
            errs.append(.invalid(path.child("type"), type, "must be object at the root"))
        }
        if embedded && !preserve && (s["properties"]?.object ?? [:]).isEmpty {
            errs.append(.required(path.child("properties"), "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
        }
        if level == .root || embedded, let meta = s["properties"]?["metadata"] {
            let mtype = meta["type"]?.string ?? ""
            if mtype != "object" { errs.append(.invalid(path.child("properties").key("metadata").child("type"), mtype, "must be object")) }
            if level == .root {
                let keys = Set((meta["properties"]?.object ?? [:]).keys)
                let extraKeys = Set(meta.object?.keys.map { $0 } ?? []).subtracting(["type", "properties", "description"])
                if !keys.subtracting(["name", "generateName"]).isEmpty || !extraKeys.isEmpty {
                    errs.append(.forbidden(path.child("properties").key("metadata"), "must not specify anything other than name and generateName, but metadata is implicitly specified"))
                }
            }
        }
        for junctor in ["allOf", "anyOf", "oneOf"] {
            for (i, nested) in (s[junctor]?.array ?? []).enumerated() {
                let isIntOrStringPattern = intOrString && junctor == "anyOf"
                if !isIntOrStringPattern, nested["type"] != nil {
                    errs.append(.forbidden(path.child(junctor).index(i).child("type"), "must be empty to be structural"))
                }
            }
        }
        if let pattern = s["pattern"]?.string, (try? NSRegularExpression(pattern: pattern)) == nil {
            errs.append(.invalid(path.child("pattern"), pattern, "must be a valid regular expression, but isn't: error parsing regexp"))
        }
        for (i, rule) in (s["x-kubernetes-validations"]?.array ?? []).enumerated() {
            let rp = path.child("x-kubernetes-validations").index(i).child("rule")
            let text = rule["rule"]?.string ?? ""
            if text.isEmpty { errs.append(.required(rp)); continue }
            if let problem = CELProgram.compileError(text) {
                errs.append(.invalid(rp, text, "compilation failed: \(problem)"))
            }
        }
    }
}
