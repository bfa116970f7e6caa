import APIMachinery
import Foundation

/// Upstream's `ValidateEncryptionConfiguration`, done while decoding: the same field paths and messages,
/// so a mistake in the file reads as it would from kube-apiserver. Key secrets are never echoed
/// (upstream prints "REDACTED").
enum EncryptionConfigurationValidation {
    static let aesKeySizes = [16, 24, 32]
    static let secretboxKeySizes = [32]

    static func decode(_ json: JSON, errors: inout [FieldError]) -> EncryptionConfiguration {
        let root = "resources"
        let entries = json["resources"]?.array ?? []
        if entries.isEmpty {
            errors.append(.required(root, "at least one \(root) is required"))
            return EncryptionConfiguration(resources: [])
        }
        var out: [EncryptionConfiguration.ResourceConfiguration] = []
        for (i, entry) in entries.enumerated() {
            let r = "\(root)[\(i)].resources"
            let p = "\(root)[\(i)].providers"
            let resources = (entry["resources"]?.array ?? []).map { $0.string ?? "" }
            if resources.isEmpty { errors.append(.required(r, "at least one \(r) is required")) }
            errors += overlap(resources, field: r)
            errors += names(resources, field: r)
            let providerEntries = entry["providers"]?.array ?? []
            if providerEntries.isEmpty { errors.append(.required(p, "at least one \(p) is required")) }
            var providers: [EncryptionConfiguration.Provider] = []
            for (j, element) in providerEntries.enumerated() {
                if let provider = provider(element, field: "\(p)[\(j)]", errors: &errors) { providers.append(provider) }
            }
            out.append(.init(resources: resources, providers: providers))
        }
        return EncryptionConfiguration(resources: out)
    }

    /// One `providers[]` element: exactly one of the provider fields.
    static func provider(_ element: JSON, field: String, errors: inout [FieldError]) -> EncryptionConfiguration.Provider? {
        let known = ["kms", "aesgcm", "aescbc", "secretbox", "identity"]
        let present = known.filter { element[$0].map { !$0.isNull } ?? false }
        guard present.count == 1 else {
            let detail = present.isEmpty
                ? "provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity"
                : "more than one provider specified in a single element, should split into different list elements"
            errors.append(FieldError(.invalid, field, value: present.isEmpty ? element.jsonString : present.joined(separator: ", "), detail: detail))
            return nil
        }
        let name = present[0]
        switch name {
        case "identity":
            return .identity
        case "kms":
            // A KMS plugin is a gRPC service beside the API server; Skiff has no client for it.
            errors.append(.forbidden("\(field).kms", "KMS providers are not supported by Skiff: use aesgcm, aescbc, secretbox or identity"))
            return nil
        default:
            let keysField = "\(field).\(name).keys"
            let keys = (element[name]?["keys"]?.array ?? []).map {
                EncryptionConfiguration.Key(name: $0["name"]?.string ?? "", secret: $0["secret"]?.string ?? "")
            }
            errors += validate(keys: keys, field: keysField, sizes: name == "secretbox" ? secretboxKeySizes : aesKeySizes)
            switch name {
            case "aesgcm": return .aesgcm(keys: keys)
            case "aescbc": return .aescbc(keys: keys)
            default: return .secretbox(keys: keys)
            }
        }
    }

    static func validate(keys: [EncryptionConfiguration.Key], field: String, sizes: [Int]) -> [FieldError] {
        if keys.isEmpty { return [.required(field, "at least one keys is required")] }
        var errors: [FieldError] = []
        for (i, key) in keys.enumerated() {
            let path = "\(field)[\(i)]"
            if key.name.isEmpty { errors.append(.required("\(path).name", "name is a mandatory field for a key")) }
            if key.secret.isEmpty {
                errors.append(.required("\(path).secret", "secret is a mandatory field for a key"))
                continue
            }
            guard let secret = Data(base64Encoded: key.secret) else {
                errors.append(.invalid("\(path).secret", "REDACTED", "secrets must be base64 encoded"))
                continue
            }
            if !sizes.contains(secret.count) {
                let expected = "[" + sizes.map(String.init).joined(separator: " ") + "]"
                errors.append(.invalid("\(path).secret", "REDACTED", "secret is not of the expected length, got \(secret.count), expected one of \(expected)"))
            }
        }
        return errors
    }

    /// A resource and a wildcard that covers it, or one resource twice, in one list.
    static func overlap(_ resources: [String], field: String) -> [FieldError] {
        guard resources.count > 1 else { return [] }
        let parsed = resources.map(GroupResource.init(parsing:))
        var duplicate = false
        var overlap = false
        for (i, a) in parsed.enumerated() {
            for (j, b) in parsed.enumerated() where i != j {
                if a == b {
                    duplicate = true
                    continue
                }
                if a == .anyGroupAnyResource { overlap = true }
                if a.group == b.group, a.resource == "*" || b.resource == "*" { overlap = true }
            }
        }
        let value = "[]string{" + resources.map { "\"\($0)\"" }.joined(separator: ", ") + "}"
        var errors: [FieldError] = []
        if duplicate {
            errors.append(FieldError(.invalid, field, value: value, detail: "the same resource cannot be specified multiple times"))
        }
        if overlap {
            errors.append(FieldError(.invalid, field, value: value,
                                     detail: "using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"))
        }
        return errors
    }

    static func names(_ resources: [String], field: String) -> [FieldError] {
        var errors: [FieldError] = []
        for (j, resource) in resources.enumerated() {
            let path = "\(field)[\(j)]"
            let gr = GroupResource(parsing: resource)
            let detail: String? =
                if resource.lowercased() != resource { "resource name should not contain capital letters" }
                else if resource == "*" { "use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources" }
                else if ["apiserveripinfo", "serviceipallocations", "servicenodeportallocations"].contains(resource) {
                    "resources which do not have REST API/s cannot be encrypted"
                }
                else if gr.group == "events.k8s.io" {
                    "'*.events.k8s.io' objects are stored using the 'events' API group in etcd. Use 'events' instead in the config file"
                }
                else if gr.group == "extensions" { "'extensions' group has been removed and cannot be used for encryption" }
                else if gr.group == "*" && gr.resource != "*" { "encrypting the same resource across groups is not supported" }
                else { nil }
            if let detail { errors.append(.invalid(path, resource, detail)) }
        }
        return errors
    }
}

/// `resource.group` as upstream's `schema.ParseGroupResource` splits it: at the first dot, so `secrets` is
/// the core group's and `foos.example.com` is group `example.com`'s. Storage keys name resources the same
/// way (`/registry/deployments.apps/…`).
struct GroupResource: Hashable, Sendable, CustomStringConvertible {
    var group: String
    var resource: String

    static let anyGroupAnyResource = GroupResource(group: "*", resource: "*")

    init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    init(parsing text: String) {
        if let dot = text.firstIndex(of: ".") {
            resource = String(text[..<dot])
            group = String(text[text.index(after: dot)...])
        } else {
            resource = text
            group = ""
        }
    }

    /// As the configuration file writes it (`*.` for every core resource, `secrets` for one).
    var description: String {
        if group.isEmpty { return resource == "*" ? "*." : resource }
        return resource + "." + group
    }
}
