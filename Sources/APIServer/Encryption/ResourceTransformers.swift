import Crypto
import Foundation

/// Which transformer each resource's stored values go through, built from an `EncryptionConfiguration`
/// (upstream's `getTransformerOverrides`). A resource is looked up as itself, then as `*.group`, then as
/// `*.*`; resources the configuration does not name are stored as they are.
struct ResourceTransformers: Sendable {
    static let aesGCMPrefix = "k8s:enc:aesgcm:v1:"
    static let aesCBCPrefix = "k8s:enc:aescbc:v1:"
    static let secretboxPrefix = "k8s:enc:secretbox:v1:"

    private let byResource: [GroupResource: PrefixTransformers]

    init(_ config: EncryptionConfiguration) throws(EncryptionConfigurationError) {
        var lists: [GroupResource: [PrefixTransformer]] = [:]
        for entry in config.resources {
            let providers = try entry.providers.map { provider throws(EncryptionConfigurationError) in try Self.transformer(provider) }
            for resource in entry.resources {
                let gr = GroupResource(parsing: resource)
                // An earlier wildcard entry already decides for this resource: upstream refuses the file.
                for mask in [GroupResource(group: gr.group, resource: "*"), .anyGroupAnyResource] where mask != gr && lists[mask] != nil {
                    throw EncryptionConfigurationError("resource \"\(gr)\" is masked by earlier rule \"\(mask)\"")
                }
                lists[gr, default: []] += providers
            }
        }
        byResource = lists.mapValues { PrefixTransformers(transformers: $0, noMatch: ValueTransformError("no matching prefix found")) }
    }

    /// The transformer of `resource`, or nil when its values are stored as they are.
    func transformer(for resource: GroupResource) -> PrefixTransformers? {
        byResource[resource]
            ?? byResource[GroupResource(group: resource.group, resource: "*")]
            ?? byResource[.anyGroupAnyResource]
    }

    /// The transformer of the object stored at `key` (`/registry/secrets/ns/name`,
    /// `/registry/deployments.apps/ns/name`), or nil.
    func transformer(forKey key: String) -> PrefixTransformers? {
        guard key.hasPrefix("/registry/") else { return nil }
        let rest = key.dropFirst("/registry/".count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        return transformer(for: GroupResource(parsing: String(rest[..<slash])))
    }

    static func transformer(_ provider: EncryptionConfiguration.Provider) throws(EncryptionConfigurationError) -> PrefixTransformer {
        switch provider {
        case .identity:
            return PrefixTransformer(prefix: Data(), transformer: IdentityTransformer())
        case .aesgcm(let keys):
            return try keyed(keys, prefix: aesGCMPrefix, providerName: "AES") { AESGCMTransformer(key: SymmetricKey(data: $0)) }
        case .aescbc(let keys):
            return try keyed(keys, prefix: aesCBCPrefix, providerName: "AES") { AESCBCTransformer(key: SymmetricKey(data: $0)) }
        case .secretbox(let keys):
            return try keyed(keys, prefix: secretboxPrefix, providerName: "Secretbox") { SecretboxTransformer(key: $0) }
        }
    }

    /// One provider's keys as a prefix list of their own (`name:`), the first key writing.
    static func keyed(
        _ keys: [EncryptionConfiguration.Key], prefix: String, providerName: String,
        _ make: (Data) -> any ValueTransformer
    ) throws(EncryptionConfigurationError) -> PrefixTransformer {
        var list: [PrefixTransformer] = []
        for key in keys {
            // Validation has already checked the secrets; this guards callers that skip it.
            guard !key.name.isEmpty, let secret = Data(base64Encoded: key.secret) else {
                throw EncryptionConfigurationError("could not obtain secret for named key \(key.name)")
            }
            list.append(PrefixTransformer(prefix: Data((key.name + ":").utf8), transformer: make(secret)))
        }
        guard !list.isEmpty else { throw EncryptionConfigurationError("\(providerName.lowercased()) provider has no valid keys") }
        let chooser = PrefixTransformers(
            transformers: list, noMatch: ValueTransformError("no matching key was found for the provided \(providerName) transformer"))
        return PrefixTransformer(prefix: Data(prefix.utf8), transformer: chooser)
    }
}
