import APIMachinery
import Foundation

/// Why an audit policy was refused; `description` is what the API server stops with.
public typealias AuditPolicyError = ConfigurationFileError

extension AuditPolicy {
    /// Reads, decodes and validates `--audit-policy-file` as upstream's `newPolicyChecker` does; every
    /// failure reads "loading audit policy file: <why>: from file <path>", which the server stops with.
    public static func load(path: String) throws(AuditPolicyError) -> AuditPolicy {
        func fail(_ e: AuditPolicyError) -> AuditPolicyError {
            AuditPolicyError("loading audit policy file: \(e.message): from file \(path)", fieldErrors: e.fieldErrors)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file or directory"
            throw AuditPolicyError("loading audit policy file: failed to read file path \"\(path)\": open \(path): \(reason)")
        }
        do {
            return try decode(data)
        } catch {
            throw fail(error)
        }
    }

    /// Decodes YAML or JSON and validates it (upstream's `LoadPolicyFromBytes`).
    public static func decode(_ data: Data) throws(AuditPolicyError) -> AuditPolicy {
        let json: JSON
        do {
            json = try YAMLDecoding.decode(String(decoding: data, as: UTF8.self))
        } catch {
            throw AuditPolicyError("failed decoding: \(error.message)")
        }
        guard case .object = json else {
            throw AuditPolicyError("failed decoding: couldn't get version/kind; json parse error: the file is not an object")
        }
        let kind = json["kind"]?.string ?? ""
        let apiVersion = json["apiVersion"]?.string ?? ""
        if kind.isEmpty { throw AuditPolicyError("failed decoding: Object 'Kind' is missing in the policy") }
        guard kind == Self.kind, apiVersion == Self.apiVersion else {
            throw AuditPolicyError("failed decoding: no kind \"\(kind)\" is registered for version \"\(apiVersion)\"; expected kind \"\(Self.kind)\" of \(Self.apiVersion)")
        }
        var reader = PolicyReader()
        let policy = reader.policy(json)
        if let typeError = reader.typeError { throw AuditPolicyError("failed decoding: \(typeError)") }
        let errors = AuditPolicyValidation.errors(policy, levels: reader.levels, badStages: reader.badStages)
        if !errors.isEmpty {
            // Upstream's `ToAggregate()`: one error alone, several as a bracketed list.
            let text = errors.count == 1 ? errors[0].message : "[" + errors.map(\.message).joined(separator: ", ") + "]"
            throw AuditPolicyError(text, fieldErrors: errors)
        }
        if policy.rules.isEmpty { throw AuditPolicyError("loaded illegal policy with 0 rules") }
        return policy
    }
}

/// Maps the decoded document onto `AuditPolicy` as Go's JSON decoder would: unknown fields are ignored, a
/// value of the wrong type is the first (and reported) error. Levels and stages are also kept as written,
/// so that validation can name a wrong one.
struct PolicyReader {
    private(set) var typeError: String?
    /// Each rule's `level` as written ("" when missing).
    private(set) var levels: [String] = []
    /// `omitStages` entries that name no stage: field path and value.
    private(set) var badStages: [(field: String, value: String)] = []

    mutating func policy(_ json: JSON) -> AuditPolicy {
        var policy = AuditPolicy(rules: [])
        policy.omitStages = stages(json["omitStages"], path: "omitStages", owner: "Policy")
        policy.omitManagedFields = bool(json["omitManagedFields"], path: "omitManagedFields", owner: "Policy") ?? false
        if let rules = array(json["rules"], path: "rules", owner: "Policy", type: "[]audit.PolicyRule") {
            for (i, r) in rules.enumerated() {
                guard case .object = r else {
                    typeMismatch(r, path: "rules", owner: "Policy", type: "audit.PolicyRule")
                    continue
                }
                policy.rules.append(rule(r, index: i))
            }
        }
        return policy
    }

    private mutating func rule(_ json: JSON, index: Int) -> AuditPolicy.Rule {
        let owner = "PolicyRule"
        let levelText = string(json["level"], path: "rules.level", owner: owner) ?? ""
        levels.append(levelText)
        var rule = AuditPolicy.Rule(level: AuditLevel(rawValue: levelText) ?? .none)
        rule.users = strings(json["users"], path: "rules.users", owner: owner)
        rule.userGroups = strings(json["userGroups"], path: "rules.userGroups", owner: owner)
        rule.verbs = strings(json["verbs"], path: "rules.verbs", owner: owner)
        rule.namespaces = strings(json["namespaces"], path: "rules.namespaces", owner: owner)
        rule.nonResourceURLs = strings(json["nonResourceURLs"], path: "rules.nonResourceURLs", owner: owner)
        rule.omitStages = stages(json["omitStages"], path: "rules.omitStages", owner: owner, rule: index)
        rule.omitManagedFields = bool(json["omitManagedFields"], path: "rules.omitManagedFields", owner: owner)
        if let resources = array(json["resources"], path: "rules.resources", owner: owner, type: "[]audit.GroupResources") {
            for r in resources {
                guard case .object = r else {
                    typeMismatch(r, path: "rules.resources", owner: owner, type: "audit.GroupResources")
                    continue
                }
                rule.resources.append(AuditPolicy.GroupResources(
                    group: string(r["group"], path: "rules.resources.group", owner: "GroupResources") ?? "",
                    resources: strings(r["resources"], path: "rules.resources.resources", owner: "GroupResources"),
                    resourceNames: strings(r["resourceNames"], path: "rules.resources.resourceNames", owner: "GroupResources")))
            }
        }
        return rule
    }

    private mutating func stages(_ json: JSON?, path: String, owner: String, rule: Int? = nil) -> [AuditStage] {
        var out: [AuditStage] = []
        for (i, text) in strings(json, path: path, owner: owner).enumerated() {
            if let stage = AuditStage(rawValue: text) {
                out.append(stage)
            } else {
                let field = rule.map { "rules[\($0)].omitStages[\(i)]" } ?? "omitStages[\(i)]"
                badStages.append((field, text))
            }
        }
        return out
    }

    private mutating func strings(_ json: JSON?, path: String, owner: String) -> [String] {
        guard let items = array(json, path: path, owner: owner, type: "[]string") else { return [] }
        return items.compactMap { item in
            if case .string(let s) = item { return s }
            typeMismatch(item, path: path, owner: owner, type: "string")
            return nil
        }
    }

    private mutating func array(_ json: JSON?, path: String, owner: String, type: String) -> [JSON]? {
        switch json {
        case nil, .null?: return nil
        case .array(let a)?: return a
        case let other?:
            typeMismatch(other, path: path, owner: owner, type: type)
            return nil
        }
    }

    private mutating func string(_ json: JSON?, path: String, owner: String) -> String? {
        switch json {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case let other?:
            typeMismatch(other, path: path, owner: owner, type: "string")
            return nil
        }
    }

    private mutating func bool(_ json: JSON?, path: String, owner: String) -> Bool? {
        switch json {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        case let other?:
            typeMismatch(other, path: path, owner: owner, type: "bool")
            return nil
        }
    }

    /// Go's `UnmarshalTypeError` text; only the first is kept, as `json.Unmarshal` returns it.
    private mutating func typeMismatch(_ value: JSON, path: String, owner: String, type: String) {
        guard typeError == nil else { return }
        let found: String
        switch value {
        case .string: found = "string"
        case .int, .double: found = "number"
        case .bool: found = "bool"
        case .array: found = "array"
        case .object: found = "object"
        case .null: found = "null"
        }
        typeError = "json: cannot unmarshal \(found) into Go struct field \(owner).\(path) of type \(type)"
    }
}
