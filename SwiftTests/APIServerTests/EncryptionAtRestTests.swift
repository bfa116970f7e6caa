import APIMachinery
import Foundation
import PKI
import Storage
import Testing

@testable import APIServer

/// Secrets through a whole API handler with `--encryption-provider-config`: what reaches the backing store,
/// and every way back out (get, list, watch, delete), rotation by rewriting, and values that do not decrypt.
@Suite(.timeLimit(.minutes(1))) struct EncryptionAtRestTests {
    static let value = "skiff-unit-distinctive-4a7c"
    static let secrets = "/api/v1/namespaces/default/secrets"
    static let storageKey = "/registry/secrets/default/db"

    /// A configuration file in a fresh directory (removed with the value).
    final class ConfigFile: Sendable {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-enc-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: directory) }

        /// Writes a configuration for Secrets whose providers are the given YAML list items.
        func write(_ name: String, providers: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try """
                apiVersion: apiserver.config.k8s.io/v1
                kind: EncryptionConfiguration
                resources:
                - resources: [secrets]
                  providers:
                \(providers)
                """.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
    }

    static let key1 = "  - aesgcm: {keys: [{name: key1, secret: \(Data(repeating: 1, count: 32).base64EncodedString())}]}"
    static let key2 = "  - aesgcm: {keys: [{name: key2, secret: \(Data(repeating: 2, count: 32).base64EncodedString())}]}"

    func server(_ path: String, store: any KeyValueStore) async throws -> TestServer {
        var config = APIServerConfig()
        config.encryptionProviderConfig = path
        return try await TestServer(config: config, store: store)
    }

    static func secret(_ value: String = value) -> JSON {
        ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db"], "data": ["password": .string(Data(value.utf8).base64EncodedString())]]
    }

    static func password(_ object: JSON?) -> String? {
        object?[path: ["data", "password"]]?.string.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    static func holds(_ data: Data, _ text: String) -> Bool { data.range(of: Data(text.utf8)) != nil }

    @Test func secretsReachTheStoreEncryptedAndReadBackEverywhere() async throws {
        let files = try ConfigFile()
        let backing = MemoryStore()
        let s = try await server(try files.write("c.yaml", providers: Self.key1), store: backing)
        let created = await s.send("POST", Self.secrets, body: Self.secret())
        #expect(created.status == 201)
        #expect(Self.password(created.json) == Self.value)

        let stored = try #require(try await backing.get(Self.storageKey, revision: nil)).value
        #expect(stored.starts(with: Data("k8s:enc:aesgcm:v1:key1:".utf8)))
        #expect(!Self.holds(stored, Self.value))
        #expect(!Self.holds(stored, Data(Self.value.utf8).base64EncodedString()))

        #expect(Self.password(await s.send("GET", Self.secrets + "/db").json) == Self.value)
        let list = await s.send("GET", Self.secrets)
        #expect(list.json?["items"]?.array?.compactMap(Self.password) == [Self.value])

        // A watch sees the update decrypted, and its previous value was decrypted to tell MODIFIED.
        let rv = list.json?[path: ["metadata", "resourceVersion"]]?.string ?? ""
        let watch = await s.send("GET", Self.secrets, query: "watch=true&resourceVersion=\(rv)")
        var updated = try #require(created.json)
        updated["data"] = ["password": .string(Data("second".utf8).base64EncodedString())]
        #expect(await s.send("PUT", Self.secrets + "/db", body: updated).status == 200)
        let events = try await s.lines(watch, count: 1)
        #expect(events.first?["type"]?.string == "MODIFIED")
        #expect(Self.password(events.first?["object"]) == "second")

        // Both revisions stay encrypted in the history.
        let history = try await backing.range(prefix: "/registry/secrets/", startKey: nil, revision: Int64(rv), limit: nil)
        #expect(history.items.allSatisfy { !Self.holds($0.value, Self.value) })

        let deleted = await s.send("DELETE", Self.secrets + "/db")
        #expect(Self.password(deleted.json) == "second")
    }

    @Test func otherResourcesAreStoredAsTheyAre() async throws {
        let files = try ConfigFile()
        let backing = MemoryStore()
        let s = try await server(try files.write("c.yaml", providers: Self.key1), store: backing)
        #expect(await s.send("POST", "/api/v1/namespaces/default/configmaps", body: configMap("cm", data: ["v": Self.value])).status == 201)
        let stored = try #require(try await backing.get("/registry/configmaps/default/cm", revision: nil)).value
        #expect(Self.holds(stored, Self.value))
    }

    @Test func rotationByRewritingEverySecret() async throws {
        let files = try ConfigFile()
        let backing = MemoryStore()
        let first = try await server(try files.write("1.yaml", providers: Self.key1), store: backing)
        #expect(await first.send("POST", Self.secrets, body: Self.secret()).status == 201)

        // New key first, old key kept: the old value reads, and an unchanged replace rewrites it.
        let during = try await server(try files.write("2.yaml", providers: Self.key2 + "\n" + Self.key1), store: backing)
        let current = try #require(await during.send("GET", Self.secrets + "/db").json)
        #expect(Self.password(current) == Self.value)
        let replaced = await during.send("PUT", Self.secrets + "/db", body: current)
        #expect(replaced.status == 200)
        #expect(replaced.json?[path: ["metadata", "resourceVersion"]] != current[path: ["metadata", "resourceVersion"]])
        let rewritten = try #require(try await backing.get(Self.storageKey, revision: nil)).value
        #expect(rewritten.starts(with: Data("k8s:enc:aesgcm:v1:key2:".utf8)))

        // Once under the writing key, the same replace is a no-op again, as upstream's is.
        let again = try #require(await during.send("GET", Self.secrets + "/db").json)
        let noop = await during.send("PUT", Self.secrets + "/db", body: again)
        #expect(noop.json?[path: ["metadata", "resourceVersion"]] == again[path: ["metadata", "resourceVersion"]])

        // The old key dropped: everything still reads.
        let after = try await server(try files.write("3.yaml", providers: Self.key2), store: backing)
        #expect(Self.password(await after.send("GET", Self.secrets + "/db").json) == Self.value)
    }

    @Test func aValueThatDoesNotDecryptIsAnInternalError() async throws {
        let files = try ConfigFile()
        let backing = MemoryStore()
        let s = try await server(try files.write("c.yaml", providers: Self.key1), store: backing)
        #expect(await s.send("POST", Self.secrets, body: Self.secret()).status == 201)
        var stored = try #require(try await backing.get(Self.storageKey, revision: nil))
        stored.value[stored.value.index(before: stored.value.endIndex)] ^= 0x01
        try await backing.update(Self.storageKey, value: stored.value, expectedModRevision: nil)

        let got = await s.send("GET", Self.secrets + "/db")
        #expect(got.status == 500)
        #expect(got.json?["reason"]?.string == "InternalError")
        #expect(got.json?["message"]?.string == "Internal error occurred: cipher: message authentication failed")
        let list = await s.send("GET", Self.secrets)
        #expect(list.status == 500)
        #expect(list.json?["message"]?.string == "Internal error occurred: unable to transform key \"\(Self.storageKey)\": cipher: message authentication failed")

        // A server whose keys do not include the writer's cannot read it either.
        let stranger = try await server(try files.write("other.yaml", providers: Self.key2), store: backing)
        #expect(await stranger.send("GET", Self.secrets + "/db").status == 500)
    }

    @Test func aWatchEventThatDoesNotDecryptEndsTheWatchWithAnError() async throws {
        let files = try ConfigFile()
        let backing = MemoryStore()
        let s = try await server(try files.write("c.yaml", providers: Self.key1), store: backing)
        let created = await s.send("POST", Self.secrets, body: Self.secret())
        let rv = try #require(created.json?[path: ["metadata", "resourceVersion"]]?.string)
        let watch = await s.send("GET", Self.secrets, query: "watch=true&resourceVersion=\(rv)")
        // Written past the API (as by someone holding another key): the watch cannot read the event.
        try await backing.update(Self.storageKey, value: Data("k8s:enc:aesgcm:v1:key1:not-what-key1-wrote".utf8), expectedModRevision: nil)
        let events = try await s.lines(watch, count: 1)
        #expect(events.first?["type"]?.string == "ERROR")
        #expect(events.first?[path: ["object", "reason"]]?.string == "InternalError")
        #expect(events.first?[path: ["object", "code"]]?.int == 500)
    }

    @Test func anInvalidConfigurationStopsTheServer() throws {
        let files = try ConfigFile()
        let short = "  - aescbc: {keys: [{name: k, secret: \(Data(repeating: 1, count: 10).base64EncodedString())}]}"
        var config = APIServerConfig()
        config.encryptionProviderConfig = try files.write("bad.yaml", providers: short)
        #expect(throws: EncryptionConfigurationError.self) { try APIHandler(config: config, store: MemoryStore(), logger: .init(label: "t")) }
        do {
            _ = try APIHandler(config: config, store: MemoryStore(), logger: .init(label: "t"))
        } catch let e as EncryptionConfigurationError {
            #expect("\(e)" == #"error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: "REDACTED": secret is not of the expected length, got 10, expected one of [16 24 32]"#)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// What `skiff create cluster` writes: private to its owner, and a configuration this server takes.
    @Test func theClusterKeyFileIsPrivateAndLoads() async throws {
        let files = try ConfigFile()
        let url = files.directory.appendingPathComponent("encryption-config.yaml")
        try EncryptionProviderConfigFile.create(at: url)
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let config = try EncryptionConfiguration.load(path: url.path)
        guard case .aesgcm(let keys) = config.resources.first?.providers.first else {
            Issue.record("expected an aesgcm provider, got \(config)")
            return
        }
        #expect(config.resources.first?.resources == ["secrets"])
        #expect(Data(base64Encoded: keys[0].secret)?.count == 32)
        // Two clusters never share a key.
        let other = files.directory.appendingPathComponent("other.yaml")
        try EncryptionProviderConfigFile.create(at: other)
        #expect(try String(contentsOf: url, encoding: .utf8) != String(contentsOf: other, encoding: .utf8))
    }
}
