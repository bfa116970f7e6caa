import Foundation
import Testing

@testable import APIServer

/// Each provider's stored form, key rotation across keys and providers, and refusals of changed data.
@Suite struct EncryptionTransformerTests {
    static let plaintext = Data(#"{"kind":"Secret","data":{"password":"c2tpZmYtdG9wLXNlY3JldA=="}}"#.utf8)
    static let key = "/registry/secrets/default/db"

    static func secret(_ byte: UInt8, _ count: Int = 32) -> String { Data(repeating: byte, count: count).base64EncodedString() }

    /// The transformer Secrets get from a configuration with `providers`.
    func secrets(_ providers: [EncryptionConfiguration.Provider]) throws -> PrefixTransformers {
        let config = EncryptionConfiguration(resources: [.init(resources: ["secrets"], providers: providers)])
        return try #require(try ResourceTransformers(config).transformer(forKey: Self.key))
    }

    func write(_ t: PrefixTransformers, _ data: Data = plaintext, key: String = key) throws -> Data {
        try t.toStorage(data, context: Data(key.utf8))
    }

    func read(_ t: PrefixTransformers, _ stored: Data, key: String = key) throws -> (data: Data, stale: Bool) {
        try t.fromStorage(stored, context: Data(key.utf8))
    }

    func readError(_ t: PrefixTransformers, _ stored: Data, key: String = key) -> String? {
        do {
            _ = try t.fromStorage(stored, context: Data(key.utf8))
            return nil
        } catch {
            return error.message
        }
    }

    static func contains(_ haystack: Data, _ needle: String) -> Bool { haystack.range(of: Data(needle.utf8)) != nil }

    @Test(arguments: [
        ("aesgcm", EncryptionConfiguration.Provider.aesgcm(keys: [.init(name: "k1", secret: secret(7))])),
        ("aescbc", .aescbc(keys: [.init(name: "k1", secret: secret(7))])),
        ("aescbc", .aescbc(keys: [.init(name: "k1", secret: secret(7, 16))])),
        ("secretbox", .secretbox(keys: [.init(name: "k1", secret: secret(7))])),
    ])
    func roundTripsUnderItsPrefix(name: String, provider: EncryptionConfiguration.Provider) throws {
        let t = try secrets([provider])
        let stored = try write(t)
        #expect(stored.starts(with: Data("k8s:enc:\(name):v1:k1:".utf8)))
        #expect(!Self.contains(stored, "c2tpZmYtdG9wLXNlY3JldA=="))
        #expect(!Self.contains(stored, "password"))
        // Random nonces / IVs: the same value twice is stored differently.
        #expect(try write(t) != stored)
        let back = try read(t, stored)
        #expect(back.data == Self.plaintext)
        #expect(!back.stale)
    }

    @Test func identityStoresAsIsAndRefusesEncryptedData() throws {
        let t = try secrets([.identity])
        #expect(try write(t) == Self.plaintext)
        #expect(try read(t, Self.plaintext).data == Self.plaintext)
        let encrypted = try write(try secrets([.aesgcm(keys: [.init(name: "k1", secret: Self.secret(1))])]))
        #expect(readError(t, encrypted) == "no matching prefix found")
    }

    @Test func rotationReadsTheOldKeyAndWritesTheNew() throws {
        let k1 = EncryptionConfiguration.Key(name: "key1", secret: Self.secret(1))
        let k2 = EncryptionConfiguration.Key(name: "key2", secret: Self.secret(2))
        let before = try secrets([.aescbc(keys: [k1])])
        let old = try write(before)

        // Step 1: the new key first, the old one still listed.
        let during = try secrets([.aescbc(keys: [k2, k1])])
        let readOld = try read(during, old)
        #expect(readOld.data == Self.plaintext)
        #expect(readOld.stale, "a value under the old key is stale, so an update rewrites it")
        let rewritten = try write(during)
        #expect(rewritten.starts(with: Data("k8s:enc:aescbc:v1:key2:".utf8)))
        #expect(try !read(during, rewritten).stale)

        // Step 2: the old key dropped; rewritten values still read, old ones no longer.
        let after = try secrets([.aescbc(keys: [k2])])
        #expect(try read(after, rewritten).data == Self.plaintext)
        #expect(readError(after, old) == "no matching key was found for the provided AES transformer")
    }

    @Test func rotationAcrossProvidersAndFromPlaintext() throws {
        let cbc = EncryptionConfiguration.Provider.aescbc(keys: [.init(name: "k1", secret: Self.secret(1))])
        let box = EncryptionConfiguration.Provider.secretbox(keys: [.init(name: "k2", secret: Self.secret(2))])
        let old = try write(try secrets([cbc]))
        let t = try secrets([box, cbc, .identity])
        let viaCBC = try read(t, old)
        #expect(viaCBC.data == Self.plaintext && viaCBC.stale)
        // Data from before encryption was turned on reads through identity, and is stale too.
        let viaIdentity = try read(t, Self.plaintext)
        #expect(viaIdentity.data == Self.plaintext && viaIdentity.stale)
        #expect(try write(t).starts(with: Data("k8s:enc:secretbox:v1:k2:".utf8)))
        // Without identity, plaintext is refused rather than passed through.
        #expect(readError(try secrets([box]), Self.plaintext) == "no matching prefix found")
    }

    @Test func changedCiphertextIsAnErrorNotGarbage() throws {
        let gcm = try secrets([.aesgcm(keys: [.init(name: "k", secret: Self.secret(5))])])
        var stored = try write(gcm)
        stored[stored.index(stored.endIndex, offsetBy: -20)] ^= 0x01
        #expect(readError(gcm, stored) == "cipher: message authentication failed")

        let box = try secrets([.secretbox(keys: [.init(name: "k", secret: Self.secret(5))])])
        var boxed = try write(box)
        boxed[boxed.index(before: boxed.endIndex)] ^= 0x01
        #expect(readError(box, boxed) == "output array was not large enough for encryption")

        // CBC is unauthenticated: what is caught is broken framing and padding. With a 16-byte value the
        // last block is all padding (0x10s); flipping the top bit of the block before turns its last
        // byte into 0x90, never valid padding.
        let cbc = try secrets([.aescbc(keys: [.init(name: "k", secret: Self.secret(5))])])
        var padded = try write(cbc, Data("0123456789abcdef".utf8))
        padded[padded.index(padded.endIndex, offsetBy: -17)] ^= 0x80
        #expect(readError(cbc, padded) == "invalid padding on input")
        let truncated = try write(cbc).dropLast(3)
        #expect(readError(cbc, Data(truncated)) == "the stored data is not a multiple of the block size")
        #expect(readError(cbc, Data("k8s:enc:aescbc:v1:k:short".utf8)) == "the stored data was shorter than the required size")
    }

    @Test func gcmBindsTheValueToItsKey() throws {
        let gcm = try secrets([.aesgcm(keys: [.init(name: "k", secret: Self.secret(5))])])
        let stored = try write(gcm)
        #expect(readError(gcm, stored, key: "/registry/secrets/default/other") == "cipher: message authentication failed")
    }

    @Test func resourcesAreMatchedExactlyThenByWildcard() throws {
        let gcm = EncryptionConfiguration.Provider.aesgcm(keys: [.init(name: "k", secret: Self.secret(5))])
        let config = EncryptionConfiguration(resources: [
            .init(resources: ["secrets"], providers: [gcm]),
            .init(resources: ["*.apps"], providers: [.identity]),
        ])
        let t = try ResourceTransformers(config)
        #expect(t.transformer(forKey: "/registry/secrets/ns/a") != nil)
        #expect(t.transformer(forKey: "/registry/deployments.apps/ns/a") != nil)
        #expect(t.transformer(forKey: "/registry/configmaps/ns/a") == nil)
        #expect(t.transformer(forKey: "/registry/foos.example.com/ns/a") == nil)
        let all = try ResourceTransformers(EncryptionConfiguration(resources: [.init(resources: ["*.*"], providers: [gcm])]))
        #expect(all.transformer(forKey: "/registry/foos.example.com/ns/a") != nil)
        #expect(all.transformer(forKey: "/registry/configmaps/ns/a") != nil)
    }
}
