import APIMachinery
import Foundation
import Testing

@testable import APIServer

/// `--encryption-provider-config` files: decoding and upstream's validation messages.
@Suite struct EncryptionConfigurationTests {
    static let key16 = Data(repeating: 1, count: 16).base64EncodedString()
    static let key32 = Data(repeating: 2, count: 32).base64EncodedString()

    func decode(_ yaml: String) throws(EncryptionConfigurationError) -> EncryptionConfiguration {
        try EncryptionConfiguration.decode(Data(yaml.utf8))
    }

    /// The one message a file that does not validate is refused with.
    func refusal(_ yaml: String) -> String? {
        do {
            _ = try decode(yaml)
            return nil
        } catch {
            return error.message
        }
    }

    func file(providers: String, resources: String = "[secrets]") -> String {
        """
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
        - resources: \(resources)
          providers:
        \(providers)
        """
    }

    @Test func decodesEveryProviderInOrder() throws {
        let config = try decode(file(providers: """
          - aesgcm:
              keys:
              - {name: new, secret: \(Self.key32)}
          - aescbc:
              keys:
              - {name: old, secret: \(Self.key16)}
          - secretbox:
              keys:
              - {name: box, secret: \(Self.key32)}
          - identity: {}
        """, resources: "[secrets, configmaps, '*.apps']"))
        #expect(config.resources == [.init(resources: ["secrets", "configmaps", "*.apps"], providers: [
            .aesgcm(keys: [.init(name: "new", secret: Self.key32)]),
            .aescbc(keys: [.init(name: "old", secret: Self.key16)]),
            .secretbox(keys: [.init(name: "box", secret: Self.key32)]),
            .identity,
        ])])
    }

    @Test func jsonIsAcceptedToo() throws {
        let json = #"{"apiVersion":"apiserver.config.k8s.io/v1","kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"identity":{}}]}]}"#
        #expect(try decode(json).resources[0].providers == [.identity])
    }

    @Test func keyOfTheWrongLengthIsNamedByItsField() {
        let short = Data(repeating: 3, count: 8).base64EncodedString()
        #expect(refusal(file(providers: "  - aescbc: {keys: [{name: k, secret: \(short)}]}"))
            == #"resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 8, expected one of [16 24 32]"#)
        #expect(refusal(file(providers: "  - secretbox: {keys: [{name: k, secret: \(Self.key16)}]}"))
            == #"resources[0].providers[0].secretbox.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of [32]"#)
    }

    @Test func keysNeedANameAndBase64Secret() {
        #expect(refusal(file(providers: "  - aesgcm: {keys: [{secret: \(Self.key16)}]}"))
            == "resources[0].providers[0].aesgcm.keys[0].name: Required value: name is a mandatory field for a key")
        #expect(refusal(file(providers: "  - aesgcm: {keys: [{name: k, secret: 'not base64!'}]}"))
            == #"resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: "REDACTED": secrets must be base64 encoded"#)
        #expect(refusal(file(providers: "  - aesgcm: {keys: []}"))
            == "resources[0].providers[0].aesgcm.keys: Required value: at least one keys is required")
        // Several errors come back together, as upstream's aggregate prints them.
        #expect(refusal(file(providers: "  - aesgcm: {keys: [{}]}"))
            == "[resources[0].providers[0].aesgcm.keys[0].name: Required value: name is a mandatory field for a key, resources[0].providers[0].aesgcm.keys[0].secret: Required value: secret is a mandatory field for a key]")
    }

    @Test func providerElementsHoldExactlyOneProvider() {
        #expect(refusal(file(providers: "  - {aescbc: {keys: [{name: k, secret: \(Self.key16)}]}, identity: {}}"))
            == #"resources[0].providers[0]: Invalid value: aescbc, identity: more than one provider specified in a single element, should split into different list elements"#)
        #expect(refusal(file(providers: "  - {}"))?.hasSuffix("provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity") == true)
        #expect(refusal(file(providers: "  - kms: {name: plugin, endpoint: 'unix:///tmp/kms.sock'}"))?
            .hasPrefix("resources[0].providers[0].kms: Forbidden: KMS providers are not supported by Skiff") == true)
    }

    @Test func resourceListsAreValidatedAsUpstreamDoes() {
        let identity = "  - identity: {}"
        #expect(refusal(file(providers: identity, resources: "[Secrets]"))
            == #"resources[0].resources[0]: Invalid value: "Secrets": resource name should not contain capital letters"#)
        #expect(refusal(file(providers: identity, resources: "['*']"))
            == #"resources[0].resources[0]: Invalid value: "*": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources"#)
        #expect(refusal(file(providers: identity, resources: "[events.events.k8s.io]"))?.contains("Use 'events' instead in the config file") == true)
        #expect(refusal(file(providers: identity, resources: "[secrets, '*.']"))
            == #"resources[0].resources: Invalid value: []string{"secrets", "*."}: using overlapping resources such as 'secrets' and '*.' in the same resource list is not allowed as they will be masked"#)
        #expect(refusal(file(providers: identity, resources: "[secrets, secrets]"))
            == #"resources[0].resources: Invalid value: []string{"secrets", "secrets"}: the same resource cannot be specified multiple times"#)
        #expect(refusal(file(providers: identity, resources: "[]"))
            == "resources[0].resources: Required value: at least one resources[0].resources is required")
        #expect(refusal("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n")
            == "resources: Required value: at least one resources is required")
    }

    @Test func onlyEncryptionConfigurationV1IsRead() {
        #expect(refusal("apiVersion: v1\nkind: ConfigMap\n")?.hasPrefix(#"no kind "ConfigMap" is registered for version "v1""#) == true)
        #expect(refusal("resources: []\n")?.contains("Kind' is missing") == true)
    }

    @Test func aWildcardEntryMasksLaterEntriesOfItsGroup() throws {
        let config = try decode("""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: ['*.']
              providers: [{identity: {}}]
            - resources: [secrets]
              providers: [{identity: {}}]
            """)
        #expect(throws: EncryptionConfigurationError("resource \"secrets\" is masked by earlier rule \"*.\"")) {
            try ResourceTransformers(config)
        }
    }

    @Test func loadingNamesTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-enc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.yaml").path
        #expect(throws: EncryptionConfigurationError.self) { try EncryptionConfiguration.load(path: missing) }
        do {
            _ = try EncryptionConfiguration.load(path: missing)
        } catch {
            #expect(error.message.hasPrefix("error while parsing file: error opening encryption provider configuration file \"\(missing)\""))
        }
        let empty = dir.appendingPathComponent("empty.yaml")
        try Data().write(to: empty)
        #expect(throws: EncryptionConfigurationError("error while parsing file: encryption provider configuration file \"\(empty.path)\" is empty")) {
            try EncryptionConfiguration.load(path: empty.path)
        }
    }
}
