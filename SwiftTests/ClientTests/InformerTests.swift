import APIMachinery
@testable import Client
import Foundation
import Testing
import TestSupport

/// Records what an informer tells a handler, as short strings in delivery order.
final class RecordingHandler: InformerHandler {
    let events = Recorder<String>()
    let objects = Recorder<JSON>()
    let tombstones = Recorder<DeletedFinalStateUnknown>()

    func onAdd(_ object: JSON, isInInitialList: Bool) async {
        events.append("add \(object.name)\(isInInitialList ? " initial" : "")")
    }

    func onUpdate(old: JSON, new: JSON) async {
        // Identical old and new: a resync, or a relist that found the object unchanged.
        let what = old == new ? "unchanged" : "update"
        events.append("\(what) \(new.name)")
        objects.append(old)
        objects.append(new)
    }

    func onDelete(_ object: DeletedObject) async {
        if case .finalStateUnknown(let t) = object {
            tombstones.append(t)
            events.append("tombstone \(t.key)")
        } else {
            events.append("delete \(object.object.name)")
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct InformerTests {
    @Test func cacheConvergesIndexesFollowAndHandlersSeeChangesInOrder() async throws {
        try await withCluster { c in
            try await c.client.create(podsInT, pod("p1", node: "a"))
            try await c.client.create(podsInT, pod("p2", node: "b"))
            try await c.client.create(podsInT, pod("unscheduled"))
            let informer = Informer(client: c.client, resource: podsInT,
                                    indexers: ["nodeName": Indexer.fieldIndexFunc(["spec", "nodeName"])])
            let handler = RecordingHandler()
            let registration = informer.addHandler(handler)
            #expect(!informer.hasSynced)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())
            #expect(informer.hasSynced)

            #expect(informer.store.listKeys() == ["t/p1", "t/p2", "t/unscheduled"])
            #expect(try informer.store.byIndex("nodeName", "a").map(\.name) == ["p1"])
            #expect(try informer.store.byIndex(Indexer.namespaceIndex, "t").count == 3)
            #expect(await eventually { registration.hasSynced })
            #expect(Set(handler.events.all) == ["add p1 initial", "add p2 initial", "add unscheduled initial"])

            try await c.client.create(podsInT, pod("p3", node: "a"))
            try await c.client.patch(podsInT, "p2", ["metadata": ["labels": ["x": "y"]]])
            try await c.client.delete(podsInT, "p1", options: ["gracePeriodSeconds": 0])
            #expect(await eventually {
                informer.store.get(namespace: "t", name: "p1") == nil && informer.store.get("t/p3") != nil
                    && informer.store.get("t/p2")?[path: ["metadata", "labels", "x"]] == "y"
            })
            #expect(try informer.store.byIndex("nodeName", "a").map(\.name) == ["p3"])
            #expect(await eventually { handler.events.count == 6 })
            #expect(Array(handler.events.all.dropFirst(3)) == ["add p3", "update p2", "delete p1"])
            // onUpdate gets the object before and after.
            let (old, new) = (handler.objects.all[0], handler.objects.all[1])
            #expect(old[path: ["metadata", "labels", "x"]] == nil && new[path: ["metadata", "labels", "x"]] == "y")
            await run.stop()
        }
    }

    @Test func cachedObjectsLeaveManagedFieldsOutUnlessAskedToKeepThem() async throws {
        try await withCluster { c in
            try await c.client.create(podsInT, pod("listed"))
            #expect(try await c.client.get(podsInT, "listed")[path: ["metadata", "managedFields"]]?.array?.isEmpty == false)
            let trimmed = Informer(client: c.client, resource: podsInT)
            let kept = Informer(client: c.client, resource: podsInT, transform: nil)
            let runs = [Background { await trimmed.run() }, Background { await kept.run() }]
            #expect(await trimmed.waitForSync())
            #expect(await kept.waitForSync())
            // Listed, then watched (added and modified) objects alike.
            try await c.client.create(podsInT, pod("watched"))
            try await c.client.patch(podsInT, "listed", ["metadata": ["labels": ["x": "y"]]])
            #expect(await eventually {
                trimmed.store.get("t/watched") != nil && kept.store.get("t/watched") != nil
                    && trimmed.store.get("t/listed")?[path: ["metadata", "labels", "x"]] == "y"
                    && kept.store.get("t/listed")?[path: ["metadata", "labels", "x"]] == "y"
            })
            for name in ["t/listed", "t/watched"] {
                #expect(trimmed.store.get(name)?[path: ["metadata", "managedFields"]] == nil, "\(name)")
                #expect(trimmed.store.get(name)?[path: ["metadata", "resourceVersion"]] != nil, "\(name)")
                #expect(kept.store.get(name)?[path: ["metadata", "managedFields"]]?.array?.isEmpty == false, "\(name)")
            }
            // An update built from the trimmed copy keeps what the server had recorded.
            var copy = try #require(trimmed.store.get("t/listed"))
            copy[path: ["metadata", "labels", "z"]] = "w"
            let updated = try await c.client.update(podsInT, copy)
            #expect(updated[path: ["metadata", "managedFields"]]?.array?.isEmpty == false)
            for run in runs { await run.stop() }
        }
    }

    @Test func aHandlerAddedLaterFirstGetsTheCacheThenLiveChanges() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("a"))
            try await c.client.create(configMapsInT, configMap("b"))
            let informer = Informer(client: c.client, resource: configMapsInT)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())

            let late = RecordingHandler()
            let registration = informer.addHandler(late)
            #expect(await eventually { late.events.count == 2 && registration.hasSynced })
            #expect(late.events.all.sorted() == ["add a initial", "add b initial"])

            try await c.client.create(configMapsInT, configMap("c"))
            #expect(await eventually { late.events.count == 3 })
            #expect(late.events.all.last == "add c")
            await run.stop()
        }
    }

    @Test func aSlowHandlerDoesNotDelayAnother() async throws {
        try await withCluster { c in
            let informer = Informer(client: c.client, resource: configMapsInT)
            let fast = RecordingHandler()
            let slowSeen = Recorder<String>()
            informer.addHandler(InformerHandlerFunctions(onAdd: { o, _ in
                // Stays: this is the slow handler, stuck for longer than the test runs (until the informer
                // stops and cancels it); nothing waits on it.
                try? await Task.sleep(for: .seconds(30))
                slowSeen.append(o.name)
            }))
            informer.addHandler(fast)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())
            for n in ["a", "b", "c"] { try await c.client.create(configMapsInT, configMap(n)) }
            #expect(await eventually { fast.events.all == ["add a", "add b", "add c"] })
            #expect(slowSeen.count == 0)
            // Stopping cancels the stuck handler too.
            await run.stop()
        }
    }

    @Test func aRemovedHandlerHearsNothingMore() async throws {
        try await withCluster { c in
            let informer = Informer(client: c.client, resource: configMapsInT)
            let kept = RecordingHandler()
            let removed = RecordingHandler()
            informer.addHandler(kept)
            let registration = informer.addHandler(removed)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())
            try await c.client.create(configMapsInT, configMap("a"))
            #expect(await eventually { removed.events.all == ["add a"] })
            informer.removeHandler(registration)
            try await c.client.create(configMapsInT, configMap("b"))
            #expect(await eventually { kept.events.all == ["add a", "add b"] })
            // "b" reached every registered handler's queue in the step that queued it for `kept`: the
            // removed one's queue never got it.
            #expect(registration.listener.counts.withLock { $0.enqueued } == 1)
            #expect(removed.events.all == ["add a"])
            await run.stop()
        }
    }

    @Test func periodicResyncRedeliversCachedObjects() async throws {
        try await withCluster { c in
            try await c.client.create(configMapsInT, configMap("a"))
            let informer = Informer(client: c.client, resource: configMapsInT, resyncPeriod: .milliseconds(200))
            let handler = RecordingHandler()
            informer.addHandler(handler)
            let run = Background { await informer.run() }
            #expect(await eventually { handler.events.all.filter { $0 == "unchanged a" }.count >= 2 })
            #expect(handler.events.all.first == "add a initial")
            await run.stop()
        }
    }

    @Test func deletionsMissedWhileDisconnectedArriveAsTombstones() async throws {
        try await withCluster { c in
            for n in ["keep", "gone"] { try await c.client.create(configMapsInT, configMap(n)) }
            let informer = Informer(client: c.client, resource: configMapsInT, backoff: fastBackoff)
            let handler = RecordingHandler()
            informer.addHandler(handler)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())
            // Stays: the reflector takes a watch that ends within a second of real time without events for a
            // failure (upstream's "very short watch") and relists at once; this one must outlive that
            // second so that the server stopping reads as a dropped connection, re-watched from its
            // resourceVersion and answered with the 410 this test is about.
            try await Task.sleep(for: .milliseconds(1200))

            // While the API server is down, "gone" is deleted and the history compacted: when the informer
            // reconnects its watch gets a 410, it relists, and only the relist shows "gone" is missing.
            await c.stopServer()
            let deleted = try await c.store.delete("/registry/configmaps/t/gone", expectedModRevision: nil)
            try await c.store.compact(revision: deleted.modRevision)
            try await c.restartServer()

            #expect(await eventually(timeout: .seconds(8)) { informer.store.get("t/gone") == nil })
            #expect(informer.reflector.listCount == 2)
            #expect(await eventually { handler.tombstones.count == 1 })
            let t = try #require(handler.tombstones.all.first)
            #expect(t.key == "t/gone")
            #expect(t.object.name == "gone")
            // The surviving object was relisted: an update whose old and new are the same.
            #expect(handler.events.all == ["add gone initial", "add keep initial", "unchanged keep", "tombstone t/gone"])
            #expect(informer.store.listKeys() == ["t/keep"])
            await run.stop()
        }
    }

    @Test func waitForSyncGivesUpWhenCancelled() async throws {
        try await withCluster { c in
            let informer = Informer(client: c.client, resource: configMapsInT)
            // Never run, so it never syncs.
            let waiter = Task { await informer.waitForSync() }
            #expect(await eventually { informer.dispatcher.state.withLock { $0.waiters.count } == 1 })
            waiter.cancel()
            #expect(await waiter.value == false)
        }
    }

    @Test func runsOnlyOnce() async throws {
        try await withCluster { c in
            let informer = Informer(client: c.client, resource: configMapsInT)
            let run = Background { await informer.run() }
            #expect(await informer.waitForSync())
            #expect(await eventually { informer.reflector.listCount == 1 })
            // A second run returns at once (were it to run, it would only end with the suite's time limit)
            // and lists nothing.
            await informer.run()
            #expect(informer.reflector.listCount == 1)
            await run.stop()
        }
    }
}

@Suite struct IndexerTests {
    func obj(_ name: String, ns: String? = "t", node: String? = nil) -> JSON {
        var o: JSON = ["metadata": ["name": .string(name)]]
        if let ns { o[path: ["metadata", "namespace"]] = .string(ns) }
        if let node { o[path: ["spec", "nodeName"]] = .string(node) }
        return o
    }

    @Test func keysAreNamespaceSlashNameOrJustName() {
        #expect(ObjectKey.of(obj("a")) == "t/a")
        #expect(ObjectKey.of(obj("n1", ns: nil)) == "n1")
        #expect(ObjectKey.of(["metadata": [:]]) == nil)
        #expect(ObjectKey.split("t/a")! == ("t", "a"))
        #expect(ObjectKey.split("n1")! == (nil, "n1"))
        #expect(ObjectKey.split("a/b/c") == nil)
        #expect(ObjectKey.split("/a") == nil)
        #expect(ObjectKey.split("") == nil)
    }

    @Test func indexesFollowUpdatesDeletesAndReplaces() throws {
        let idx = Indexer(indexers: ["node": Indexer.fieldIndexFunc(["spec", "nodeName"])])
        idx.add(obj("p1", node: "a"))
        idx.add(obj("p2", node: "a"))
        idx.add(obj("p3"))
        #expect(try idx.indexKeys("node", "a") == ["t/p1", "t/p2"])
        idx.update(obj("p1", node: "b"))
        #expect(try idx.indexKeys("node", "a") == ["t/p2"])
        #expect(try idx.byIndex("node", "b").map(\.name) == ["p1"])
        #expect(idx.listIndexFuncValues("node") == ["a", "b"])
        idx.delete(obj("p2"))
        #expect(try idx.indexKeys("node", "a") == [])
        #expect(idx.listIndexFuncValues("node") == ["b"])
        #expect(try idx.index("node", matching: obj("x", node: "b")).map(\.name) == ["p1"])

        idx.replace([obj("q", ns: "u", node: "a")], resourceVersion: "42")
        #expect(idx.listKeys() == ["u/q"])
        #expect(try idx.indexKeys("node", "a") == ["u/q"])
        #expect(try idx.indexKeys("node", "b") == [])
        #expect(try idx.indexKeys(Indexer.namespaceIndex, "u") == ["u/q"])
        #expect(idx.lastReplacedResourceVersion == "42")
        #expect(idx.count == 1)
    }

    @Test func indexMisuseIsAnError() throws {
        let idx = Indexer()
        idx.add(obj("p1", node: "a"))
        #expect(throws: IndexerError.indexNotFound("node")) { try idx.byIndex("node", "a") }
        #expect(throws: IndexerError.indexExists(Indexer.namespaceIndex)) {
            try idx.addIndexers([Indexer.namespaceIndex: Indexer.namespaceIndexFunc])
        }
        // Added later, an index covers the objects already there.
        try idx.addIndexers(["node": Indexer.fieldIndexFunc(["spec", "nodeName"])])
        #expect(try idx.indexKeys("node", "a") == ["t/p1"])
        // Objects without a name cannot be keyed and are ignored.
        idx.add(["metadata": ["namespace": "t"]])
        #expect(idx.count == 1)
    }

    @Test func cachedObjectsAreValues() {
        let idx = Indexer()
        idx.add(obj("a"))
        var got = idx.get("t/a")!
        got["data"] = "changed"
        #expect(idx.get("t/a")?["data"] == nil)
    }
}
