import APIMachinery
import Client
import Foundation
import Storage
import Testing
import TestSupport

/// A store that records the reflector's calls and keeps an `Indexer` up to date beside it.
final class RecordingStore: ReflectorStore {
    enum Op: Equatable, Sendable {
        case add(String), update(String), delete(String), replace([String])
    }
    let ops = Recorder<Op>()
    let cache = Indexer()

    func add(_ object: JSON) { ops.append(.add(object.name)); cache.add(object) }
    func update(_ object: JSON) { ops.append(.update(object.name)); cache.update(object) }
    func delete(_ object: JSON) { ops.append(.delete(object.name)); cache.delete(object) }
    func replace(_ objects: [JSON], resourceVersion: String) {
        ops.append(.replace(objects.map(\.name)))
        cache.replace(objects, resourceVersion: resourceVersion)
    }

    var replaces: Int { ops.all.filter { if case .replace = $0 { return true } else { return false } }.count }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct ReflectorTests {
    @Test func listsInPagesThenFollowsCreatesUpdatesAndDeletes() async throws {
        try await withCluster { c in
            for i in 1...5 { try await c.client.create(configMapsInT, configMap("cm\(i)")) }
            let store = RecordingStore()
            let reflector = Reflector(client: c.client, resource: configMapsInT, store: store, pageSize: 2)
            let run = Background { await reflector.run() }

            #expect(await eventually { store.replaces == 1 })
            #expect(store.ops.all.first == .replace(["cm1", "cm2", "cm3", "cm4", "cm5"]))
            #expect(store.cache.listKeys() == (1...5).map { "t/cm\($0)" })
            #expect(reflector.listCount == 1)

            try await c.client.create(configMapsInT, configMap("cm6"))
            var cm1 = try await c.client.get(configMapsInT, "cm1")
            cm1["data"] = ["k": "v"]
            let updated = try await c.client.update(configMapsInT, cm1)
            try await c.client.delete(configMapsInT, "cm2")

            #expect(await eventually { store.ops.count == 4 })
            #expect(Array(store.ops.all.dropFirst()) == [.add("cm6"), .update("cm1"), .delete("cm2")])
            #expect(store.cache.get("t/cm1")?["data"] == ["k": "v"])
            #expect(store.cache.get("t/cm1")?.resourceVersion == updated.resourceVersion)
            #expect(store.cache.get("t/cm2") == nil)
            // The last event moved the resourceVersion past the update's.
            #expect(Int(reflector.lastSyncResourceVersion)! > Int(updated.resourceVersion)!)
            #expect(reflector.listCount == 1)
            await run.stop()
        }
    }

    @Test func watchesOnlyWhatTheSelectorsMatch() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("web", labels: ["app": "web"]))
            try await c.client.create(configMapsInT, configMap("db", labels: ["app": "db"]))
            let store = RecordingStore()
            let reflector = Reflector(client: c.client, resource: configMapsInT, labelSelector: "app=web",
                                      fieldSelector: "metadata.name!=ignored", store: store)
            let run = Background { await reflector.run() }
            #expect(await eventually { store.replaces == 1 })
            #expect(store.ops.all == [.replace(["web"])])

            try await c.client.create(configMapsInT, configMap("web2", labels: ["app": "web"]))
            try await c.client.create(configMapsInT, configMap("ignored", labels: ["app": "web"]))
            try await c.client.create(configMapsInT, configMap("db2", labels: ["app": "db"]))
            // Relabelling "web" out of the selector arrives as a delete.
            try await c.client.patch(configMapsInT, "web", ["metadata": ["labels": ["app": "db"]]])
            // A last matching object: once it arrives, everything written before it has been seen.
            try await c.client.create(configMapsInT, configMap("web3", labels: ["app": "web"]))
            #expect(await eventually { store.ops.count == 4 })
            #expect(store.ops.all == [.replace(["web"]), .add("web2"), .delete("web"), .add("web3")])
            #expect(store.cache.listKeys() == ["t/web2", "t/web3"])
            await run.stop()
        }
    }

    @Test func watchesAgainFromTheLastResourceVersionWhenTheServerEndsTheWatch() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("a"))
            let store = RecordingStore()
            // The server ends each watch after about a second (timeoutSeconds).
            let reflector = Reflector(client: c.client, resource: configMapsInT, store: store, minWatchTimeout: .seconds(1))
            let run = Background { await reflector.run() }
            #expect(await eventually { store.replaces == 1 })
            #expect(await eventually(timeout: .seconds(8)) { reflector.watchCount >= 3 })

            try await c.client.create(configMapsInT, configMap("b"))
            #expect(await eventually { store.cache.get("t/b") != nil })
            // Restarted watches resumed where they were: no relist, no duplicate event.
            #expect(reflector.listCount == 1)
            #expect(store.ops.all == [.replace(["a"]), .add("b")])
            await run.stop()
        }
    }

    @Test func relistsWhenItsResourceVersionWasCompacted() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("a"))
            let store = RecordingStore()
            let reflector = Reflector(client: c.client, resource: configMapsInT, store: store,
                                      minWatchTimeout: .seconds(1), backoff: fastBackoff)
            let run = Background { await reflector.run() }
            #expect(await eventually { store.replaces == 1 })
            let listedAt = reflector.lastSyncResourceVersion

            // Writes elsewhere move the revision on; compacting up to it makes the reflector's resourceVersion
            // unusable, so its next watch (the server ends the current one within two seconds) gets a 410.
            for i in 0..<3 { try await c.client.create(ResourcePath.secrets.inNamespace("t"), ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string("s\(i)")]]) }
            let now = try await c.store.currentRevision()
            try await c.store.compact(revision: now)
            #expect(Int64(listedAt)! < now)

            #expect(await eventually(timeout: .seconds(8)) { reflector.listCount == 2 })
            #expect(store.replaces == 2)
            #expect(Int64(reflector.lastSyncResourceVersion)! >= now)
            // It keeps working after the relist.
            try await c.client.create(configMapsInT, configMap("b"))
            #expect(await eventually { store.cache.get("t/b") != nil })
            await run.stop()
        }
    }

    @Test func stopsWhenCancelled() async throws {
        try await withCluster { c in
            let store = RecordingStore()
            let reflector = Reflector(client: c.client, resource: configMapsInT, store: store)
            let run = Background { await reflector.run() }
            #expect(await eventually { store.replaces == 1 })
            // Stopping returns (the suite's time limit would fail a hang) and nothing more arrives: once a
            // second reflector has seen "late", the server has sent it to every watch it had.
            await run.stop()
            try await c.client.create(configMapsInT, configMap("late"))
            let witness = RecordingStore()
            let witnessRun = Background { await Reflector(client: c.client, resource: configMapsInT, store: witness).run() }
            #expect(await eventually { witness.cache.get("t/late") != nil })
            await witnessRun.stop()
            #expect(store.cache.get("t/late") == nil)
        }
    }

    @Test func retriesWithBackoffWhileTheServerIsDown() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("a"))
            let store = RecordingStore()
            let reflector = Reflector(client: c.client, resource: configMapsInT, store: store, backoff: fastBackoff)
            let run = Background { await reflector.run() }
            #expect(await eventually { store.replaces == 1 })
            // Stays: let the watch outlive upstream's "very short watch" second (measured on the real clock
            // by the reflector), so its end is not taken as an error.
            try await Task.sleep(for: .milliseconds(1200))

            await c.stopServer()
            // Stays: the outage itself. Nothing signals it to wait on: the stopped server leaves the open
            // watch connection hanging rather than closing it, so the reflector may or may not notice.
            try await Task.sleep(for: .milliseconds(500))
            try await c.restartServer()
            try await c.client.create(configMapsInT, configMap("b"))
            #expect(await eventually(timeout: .seconds(8)) { store.cache.get("t/b") != nil })
            // The history was still there: the watch resumed without a relist.
            #expect(reflector.listCount == 1)
            await run.stop()
        }
    }
}

extension ResourcePath {
    static let secrets = ResourcePath(resource: "secrets")
}
