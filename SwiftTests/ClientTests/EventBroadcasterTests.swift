import APIMachinery
@testable import Client
import Foundation
import Testing
import TestSupport

@Suite(.timeLimit(.minutes(1)))
struct EventBroadcasterTests {
    let eventsInT = ResourcePath.events.inNamespace("t")

    func events(_ c: TestCluster, namespace: String = "t") async throws -> [JSON] {
        try await c.client.list(.events.inNamespace(namespace))["items"]?.array ?? []
    }

    /// Creates a ConfigMap to be the involved object (so it has a uid and resourceVersion).
    func subject(_ c: TestCluster, _ name: String = "cm") async throws -> JSON {
        try await c.client.create(configMapsInT, configMap(name))
    }

    @Test func anEventCarriesUpstreamsFields() async throws {
        try await withCluster { c in
            let broadcaster = EventBroadcaster(client: c.client)
            let run = Background { await broadcaster.run() }
            let cm = try await subject(c)
            broadcaster.recorder(component: "kubelet", host: "node-1")
                .event(cm, kind: "ConfigMap", apiVersion: "v1", fieldPath: "data", .warning, "Odd", "an odd map")
            #expect(try await eventually { try await events(c).count == 1 })
            let e = try #require(try await events(c).first)
            #expect(e.name.hasPrefix("cm."))
            #expect(e["involvedObject"] == [
                "kind": "ConfigMap", "apiVersion": "v1", "namespace": "t", "name": "cm", "fieldPath": "data",
                "uid": cm[path: ["metadata", "uid"]]!, "resourceVersion": .string(cm.resourceVersion),
            ])
            #expect(e["type"] == "Warning" && e["reason"] == "Odd" && e["message"] == "an odd map")
            #expect(e["source"] == ["component": "kubelet", "host": "node-1"])
            #expect(e["reportingComponent"] == "kubelet" && e["reportingInstance"] == "node-1")
            #expect(e["count"] == 1)
            #expect(e["firstTimestamp"] != nil && e["firstTimestamp"] == e["lastTimestamp"])
            await run.stop()
        }
    }

    @Test func repeatsBecomeOneEventWithACountAndOtherMessagesAnother() async throws {
        try await withCluster { c in
            let broadcaster = EventBroadcaster(client: c.client)
            let run = Background { await broadcaster.run() }
            let cm = try await subject(c)
            let recorder = broadcaster.recorder(component: "test-controller")
            for _ in 0..<3 { recorder.event(cm, kind: "ConfigMap", apiVersion: "v1", .normal, "Synced", "in sync") }
            recorder.event(cm, kind: "ConfigMap", apiVersion: "v1", .normal, "Synced", "in sync again")
            #expect(try await eventually {
                try await events(c).map { [$0["message"]?.string ?? "", String($0["count"]?.int ?? 0)] }.sorted { $0[0] < $1[0] }
                    == [["in sync", "3"], ["in sync again", "1"]]
            })
            let repeated = try #require(try await events(c).first { $0["message"] == "in sync" })
            #expect(repeated["source"] == ["component": "test-controller"] && repeated["reportingInstance"] == "")
            await run.stop()
        }
    }

    @Test func recordingNeverWaitsAndAFullBufferDropsNewEvents() async throws {
        try await withCluster { c throws in
            let broadcaster = EventBroadcaster(client: c.client, queueLength: 2)
            let recorder = broadcaster.recorder(component: "test-controller")
            // Not running yet: nothing drains the buffer, and recording still returns.
            for i in 0..<5 {
                recorder.event(configMap("cm-\(i)"), kind: "ConfigMap", apiVersion: "v1", .normal, "Seen", "seen \(i)")
            }
            #expect(broadcaster.dropped == 3)
            let run = Background { await broadcaster.run() }
            #expect(try await eventually { try await events(c).count == 2 })
            #expect(try await events(c).compactMap { $0["message"]?.string }.sorted() == ["seen 0", "seen 1"])
            await run.stop()
        }
    }

    @Test func anExpiredEventIsWrittenAgainWithItsCount() async throws {
        try await withCluster { c in
            let broadcaster = EventBroadcaster(client: c.client)
            let run = Background { await broadcaster.run() }
            let cm = try await subject(c)
            let recorder = broadcaster.recorder(component: "test-controller")
            recorder.event(cm, kind: "ConfigMap", apiVersion: "v1", .normal, "Synced", "in sync")
            #expect(try await eventually { try await events(c).count == 1 })
            let first = try #require(try await events(c).first)
            try await c.client.delete(eventsInT, first.name)
            recorder.event(cm, kind: "ConfigMap", apiVersion: "v1", .normal, "Synced", "in sync")
            #expect(try await eventually { try await events(c).first?["count"] == 2 })
            let again = try #require(try await events(c).first)
            #expect(again.name == first.name && again["firstTimestamp"] == first["firstTimestamp"])
            await run.stop()
        }
    }

    /// With room for one key, an event forgotten to make room for another is written anew on its repeat.
    @Test func deduplicationForgetsTheLeastRecentlyUsedKey() async throws {
        try await withCluster { c in
            let broadcaster = EventBroadcaster(client: c.client, cacheSize: 1)
            let run = Background { await broadcaster.run() }
            let recorder = broadcaster.recorder(component: "test-controller")
            let a = try await subject(c, "a"), b = try await subject(c, "b")
            for o in [a, a, b, a] {
                // One at a time, so each write sees what the one before left in the cache. (Counted before
                // recording: the writer may be done before a count taken after it.)
                let written = try await events(c).reduce(0) { $0 + ($1["count"]?.int ?? 0) }
                recorder.event(o, kind: "ConfigMap", apiVersion: "v1", .normal, "Seen", "seen")
                #expect(try await eventually { try await events(c).reduce(0) { $0 + ($1["count"]?.int ?? 0) } == written + 1 })
            }
            let counts = try await events(c).map { "\($0[path: ["involvedObject", "name"]]?.string ?? ""):\($0["count"]?.int ?? 0)" }.sorted()
            #expect(counts == ["a:1", "a:2", "b:1"])
            await run.stop()
        }
    }

    @Test func aDiscardingRecorderWritesNothingAndNeedsNoBroadcaster() {
        let recorder = EventRecorder.discarding(component: "x")
        recorder.event(configMap("cm"), kind: "ConfigMap", apiVersion: "v1", .normal, "Seen", "seen")
        #expect(recorder.component == "x" && recorder.broadcaster == nil)
    }
}

@Suite struct LRUCacheTests {
    @Test func keepsTheMostRecentlyUsedWithinCapacity() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.get("a") == 1)  // a is now newer than b
        cache.set("c", 3)
        #expect(cache.get("b") == nil)
        #expect(cache.get("a") == 1 && cache.get("c") == 3)
        #expect(cache.count == 2)
        cache.set("a", 10)
        cache.set("d", 4)  // c was least recently used
        #expect(cache.get("c") == nil && cache.get("a") == 10 && cache.get("d") == 4)
    }

    @Test func removingAnEntryKeepsTheOrderOfTheRest() {
        var cache = LRUCache<Int, Int>(capacity: 3)
        for i in 0..<3 { cache.set(i, i) }
        cache.remove(0)
        #expect(cache.count == 2 && cache.get(0) == nil)
        cache.set(3, 3)
        cache.set(4, 4)  // 1 is the oldest now
        #expect(cache.get(1) == nil)
        #expect(cache.get(2) == 2 && cache.get(3) == 3 && cache.get(4) == 4)
        for i in 0..<1000 { cache.set(i, i) }
        #expect(cache.count == 3 && cache.get(999) == 999 && cache.get(996) == nil)
    }

    /// client-go's spam filter: 25 of the same event about the same object pass, then one per five minutes.
    @Test func theSpamFilterLetsABurstThroughThenOnePerFiveMinutes() {
        var filter = EventSpamFilter()
        let key = EventBroadcaster.Correlation(
            component: "kubelet", host: "n", kind: "Pod", namespace: "t", name: "p", fieldPath: "", uid: "u",
            apiVersion: "v1", type: "Warning", reason: "BackOff", message: "Back-off restarting failed container")
        let start = Date(timeIntervalSince1970: 1_000_000)
        let first = (0..<30).map { filter.allow(key, at: start.addingTimeInterval(Double($0))) }
        #expect(first.filter { $0 }.count == 25 && first.prefix(25).allSatisfy { $0 })
        // Refilled at one token per 300 s, counted from the last event seen.
        let later = [200.0, 530, 531].map { filter.allow(key, at: start.addingTimeInterval($0)) }
        #expect(later == [false, true, false])
        // Another object has its own bucket.
        var other = key
        other.name = "q"
        let otherAllowed = filter.allow(other, at: start.addingTimeInterval(531))
        #expect(otherAllowed)
    }

    @Test func theTenthDistinctMessageAboutAnObjectIsCombinedAndWindowsAreTenMinutes() {
        var aggregator = EventAggregator()
        let start = Date(timeIntervalSince1970: 1_000_000)
        func event(_ i: Int, at seconds: Double, reason: String = "FailedCreate") -> EventBroadcaster.Pending {
            EventBroadcaster.Pending(involved: ["kind": "ReplicaSet", "namespace": "t", "name": "rs", "uid": "u", "apiVersion": "apps/v1"],
                                     component: "replicaset-controller", host: "", type: .warning, reason: reason,
                                     message: "Error creating: pod \(i) refused", time: start.addingTimeInterval(seconds))
        }
        let out = (0..<12).map { aggregator.aggregate(event($0, at: Double($0))) }
        #expect(out.prefix(9).allSatisfy { !$0.isAggregate && !$0.message.hasPrefix("(combined") })
        #expect(out[9].isAggregate && out[9].message == "(combined from similar events): Error creating: pod 9 refused")
        #expect(out[11].isAggregate)
        // Aggregates share one correlation key whatever their message: they become one Event.
        #expect(out[9].correlation == out[11].correlation && out[9].correlation != out[8].correlation)
        // Another reason is counted apart.
        #expect(!aggregator.aggregate(event(20, at: 20, reason: "Other")).isAggregate)
        // Ten quiet minutes start a new window.
        #expect(!aggregator.aggregate(event(30, at: 12 + 601)).isAggregate)
    }

    @Test func combinedEventsAreOneEventWhoseCountAndMessageFollowTheLatest() async throws {
        try await withCluster { c in
            let broadcaster = EventBroadcaster(client: c.client)
            let run = Background { await broadcaster.run() }
            let cm = try await c.client.create(configMapsInT, configMap("cm"))
            let events = { try await c.client.list(.events.inNamespace("t"))["items"]?.array ?? [] }
            let recorder = broadcaster.recorder(component: "test-controller")
            for i in 0..<14 { recorder.event(cm, kind: "ConfigMap", apiVersion: "v1", .warning, "FailedSync", "attempt \(i) failed") }
            #expect(try await eventually { try await events().count == 10 })
            #expect(try await eventually {
                try await events().first { $0["message"]?.string?.hasPrefix("(combined") == true }?["count"] == 5
            })
            let combined = try #require(try await events().first { $0["message"]?.string?.hasPrefix("(combined") == true })
            #expect(combined["message"] == "(combined from similar events): attempt 13 failed")
            await run.stop()
        }
    }
}
