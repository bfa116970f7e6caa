import Foundation
import Testing
@testable import Storage

/// etcd's semantics, checked the same way on every backend.
@Suite("KeyValueStore conformance")
struct StoreConformanceTests {
    // MARK: Create, get, update, delete

    @Test(arguments: Backend.allCases)
    func emptyStoreStartsAtRevisionZero(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            #expect(try await store.currentRevision() == 0)
            #expect(try await store.compactedRevision() == 0)
            #expect(try await store.get("/a", revision: nil) == nil)
            let all = try await store.range(prefix: "", startKey: nil, revision: nil, limit: nil)
            #expect(all == RangeResult(items: [], revision: 0, more: false, count: 0))
        }
    }

    @Test(arguments: Backend.allCases)
    func createThenDuplicateCreateFails(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let created = try await store.create("/registry/pods/default/a", value: "one".bytes)
            #expect(created == KeyValue(key: "/registry/pods/default/a", value: "one".bytes, createRevision: 1, modRevision: 1))
            await expectStorageError(.keyExists("/registry/pods/default/a")) {
                try await store.create("/registry/pods/default/a", value: "two".bytes)
            }
            #expect(try await store.currentRevision() == 1)
            #expect(try await store.get("/registry/pods/default/a", revision: nil)?.value == "one".bytes)
        }
    }

    @Test(arguments: Backend.allCases)
    func getAnswersAtCurrentAndOldRevisions(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/k", value: "v1".bytes)
            try await store.create("/other", value: "x".bytes)
            try await store.update("/k", value: "v2".bytes, expectedModRevision: 1)
            #expect(try await store.get("/k", revision: nil) == KeyValue(key: "/k", value: "v2".bytes, createRevision: 1, modRevision: 3))
            #expect(try await store.get("/k", revision: 0)?.value == "v2".bytes)
            #expect(try await store.get("/k", revision: 3)?.value == "v2".bytes)
            #expect(try await store.get("/k", revision: 2) == KeyValue(key: "/k", value: "v1".bytes, createRevision: 1, modRevision: 1))
            #expect(try await store.get("/k", revision: 1)?.value == "v1".bytes)
            #expect(try await store.get("/other", revision: 1) == nil)
            #expect(try await store.get("/missing", revision: nil) == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func updateIsGuardedByModRevision(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/k", value: "v1".bytes)
            await expectStorageError(.conflict(key: "/k", currentModRevision: 1)) {
                try await store.update("/k", value: "bad".bytes, expectedModRevision: 7)
            }
            await expectStorageError(.conflict(key: "/k", currentModRevision: 1)) {
                try await store.update("/k", value: "bad".bytes, expectedModRevision: 0)
            }
            #expect(try await store.currentRevision() == 1)
            let second = try await store.update("/k", value: "v2".bytes, expectedModRevision: 1)
            #expect(second == KeyValue(key: "/k", value: "v2".bytes, createRevision: 1, modRevision: 2))
            // The old mod-revision is now stale.
            await expectStorageError(.conflict(key: "/k", currentModRevision: 2)) {
                try await store.update("/k", value: "bad".bytes, expectedModRevision: 1)
            }
            let third = try await store.update("/k", value: "v3".bytes, expectedModRevision: nil)
            #expect(third.modRevision == 3)
            #expect(third.createRevision == 1)
            await expectStorageError(.notFound("/nope")) {
                try await store.update("/nope", value: "x".bytes, expectedModRevision: nil)
            }
            #expect(try await store.currentRevision() == 3)
            #expect(try await store.get("/k", revision: nil)?.value == "v3".bytes)
        }
    }

    @Test(arguments: Backend.allCases)
    func deleteIsGuardedAndReturnsTheLastValue(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/k", value: "v1".bytes)
            try await store.update("/k", value: "v2".bytes, expectedModRevision: 1)
            await expectStorageError(.conflict(key: "/k", currentModRevision: 2)) {
                try await store.delete("/k", expectedModRevision: 1)
            }
            let deleted = try await store.delete("/k", expectedModRevision: 2)
            #expect(deleted == KeyValue(key: "/k", value: "v2".bytes, createRevision: 1, modRevision: 3))
            #expect(try await store.get("/k", revision: nil) == nil)
            #expect(try await store.get("/k", revision: 2)?.value == "v2".bytes)
            await expectStorageError(.notFound("/k")) { try await store.delete("/k", expectedModRevision: nil) }
            await expectStorageError(.notFound("/k")) { try await store.update("/k", value: "x".bytes, expectedModRevision: nil) }
            #expect(try await store.currentRevision() == 3)
            // Created again, the key starts a new life: a new create revision.
            let again = try await store.create("/k", value: "v3".bytes)
            #expect(again == KeyValue(key: "/k", value: "v3".bytes, createRevision: 4, modRevision: 4))
            let unguarded = try await store.delete("/k", expectedModRevision: nil)
            #expect(unguarded.modRevision == 5)
            #expect(unguarded.createRevision == 4)
        }
    }

    @Test(arguments: Backend.allCases)
    func everySuccessfulWriteAdvancesTheRevisionByOneAndFailuresNever(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            var expected: Int64 = 0
            for i in 0..<30 {
                let key = "/k/\(i % 7)"
                let current = try await store.get(key, revision: nil)
                let result: KeyValue?
                switch i % 3 {
                case 0: result = try? await store.create(key, value: "\(i)".bytes)
                case 1: result = try? await store.update(key, value: "\(i)".bytes, expectedModRevision: current?.modRevision)
                default: result = try? await store.delete(key, expectedModRevision: i % 2 == 0 ? current?.modRevision : -1)
                }
                if let result {
                    expected += 1
                    #expect(result.modRevision == expected)
                }
                #expect(try await store.currentRevision() == expected)
            }
            #expect(expected > 10)
            #expect(expected < 30)
        }
    }

    @Test(arguments: Backend.allCases)
    func valuesRoundTripByteForByte(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let binary = Data([0, 1, 2, 255, 0, 128])
            try await store.create("/empty", value: Data())
            try await store.create("/binary", value: binary)
            #expect(try await store.get("/empty", revision: nil)?.value == Data())
            #expect(try await store.get("/binary", revision: nil)?.value == binary)
            try await store.update("/binary", value: Data(), expectedModRevision: 2)
            #expect(try await store.get("/binary", revision: nil)?.value == Data())
            #expect(try await store.get("/binary", revision: 2)?.value == binary)
        }
    }

    // MARK: Range

    @Test(arguments: Backend.allCases)
    func rangeMatchesOnlyThePrefixInByteOrder(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            for key in ["/registry/podsx/default/z", "/registry/pods/default/b", "/registry/pods", "/registry/pod",
                        "/registry/pods/kube-system/a", "/registry/pods/default/a", "/registry/pods/default/B",
                        "/registry/pods0", "/registry/services/default/a"] {
                try await store.create(key, value: key.bytes)
            }
            let pods = try await store.range(prefix: "/registry/pods/", startKey: nil, revision: nil, limit: nil)
            #expect(pods.items.map(\.key) == [
                "/registry/pods/default/B", "/registry/pods/default/a", "/registry/pods/default/b",
                "/registry/pods/kube-system/a",
            ])
            #expect(pods.count == 4)
            #expect(pods.more == false)
            #expect(pods.revision == 9)
            #expect(pods.items.allSatisfy { $0.value == $0.key.bytes })
            let namespace = try await store.range(prefix: "/registry/pods/default/", startKey: nil, revision: nil, limit: nil)
            #expect(namespace.items.map(\.key) == ["/registry/pods/default/B", "/registry/pods/default/a", "/registry/pods/default/b"])
            let all = try await store.range(prefix: "", startKey: nil, revision: nil, limit: nil)
            #expect(all.count == 9)
            #expect(all.items.map(\.key) == all.items.map(\.key).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            let none = try await store.range(prefix: "/registry/nodes/", startKey: nil, revision: nil, limit: nil)
            #expect(none == RangeResult(items: [], revision: 9, more: false, count: 0))
        }
    }

    @Test(arguments: Backend.allCases)
    func keysAreByteStrings(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            // Canonically equivalent but byte-different: two keys, as in etcd.
            let precomposed = "/p/\u{E9}", decomposed = "/p/e\u{301}"
            try await store.create(precomposed, value: "1".bytes)
            try await store.create(decomposed, value: "2".bytes)
            try await store.create("/p/Z", value: "3".bytes)
            try await store.create("/p/f", value: "4".bytes)
            let result = try await store.range(prefix: "/p/", startKey: nil, revision: nil, limit: nil)
            #expect(result.items.map { Array($0.key.utf8) } == ["/p/Z", "/p/e\u{301}", "/p/f", "/p/\u{E9}"].map { Array($0.utf8) })
            #expect(result.items.map(\.value) == ["3", "2", "4", "1"].map(\.bytes))
            #expect(try await store.get(decomposed, revision: nil)?.value == "2".bytes)
        }
    }

    @Test(arguments: Backend.allCases)
    func rangePagesWithLimitAndStartKey(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let keys = (0..<10).map { "/registry/configmaps/ns/cm-\($0)" }
            for key in keys.shuffled() { try await store.create(key, value: key.bytes) }
            try await store.create("/registry/configmaps0", value: Data())
            var seen: [String] = []
            var start: String? = nil
            var pages = 0
            while true {
                let page = try await store.range(prefix: "/registry/configmaps/", startKey: start, revision: nil, limit: 3)
                pages += 1
                #expect(page.count == keys.count - seen.count)
                #expect(page.items.count == min(3, keys.count - seen.count))
                seen += page.items.map(\.key)
                #expect(page.more == (seen.count < keys.count))
                guard page.more, let last = page.items.last else { break }
                start = last.key + "\u{0}"
            }
            #expect(pages == 4)
            #expect(seen == keys)
            for limit in [nil, 0, -1] as [Int?] {
                let whole = try await store.range(prefix: "/registry/configmaps/", startKey: nil, revision: nil, limit: limit)
                #expect(whole.items.count == 10)
                #expect(whole.more == false)
            }
            // A start key inside the prefix, one before it, one after it.
            let fromFive = try await store.range(prefix: "/registry/configmaps/", startKey: keys[5], revision: nil, limit: 2)
            #expect(fromFive.items.map(\.key) == [keys[5], keys[6]])
            #expect(fromFive.count == 5)
            #expect(fromFive.more)
            let before = try await store.range(prefix: "/registry/configmaps/", startKey: "/a", revision: nil, limit: 1)
            #expect(before.items.map(\.key) == [keys[0]])
            #expect(before.count == 10)
            let after = try await store.range(prefix: "/registry/configmaps/", startKey: "/registry/configmaps/zz", revision: nil, limit: 1)
            #expect(after == RangeResult(items: [], revision: 11, more: false, count: 0))
        }
    }

    @Test(arguments: Backend.allCases)
    func rangeAtAnOldRevisionSeesKeysDeletedSince(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/r/a", value: "a1".bytes) // 1
            try await store.create("/r/b", value: "b1".bytes) // 2
            try await store.create("/r/c", value: "c1".bytes) // 3
            try await store.delete("/r/b", expectedModRevision: 2) // 4
            try await store.update("/r/a", value: "a2".bytes, expectedModRevision: 1) // 5
            try await store.create("/r/d", value: "d1".bytes) // 6
            let atThree = try await store.range(prefix: "/r/", startKey: nil, revision: 3, limit: nil)
            #expect(atThree.revision == 3)
            #expect(atThree.items == [
                KeyValue(key: "/r/a", value: "a1".bytes, createRevision: 1, modRevision: 1),
                KeyValue(key: "/r/b", value: "b1".bytes, createRevision: 2, modRevision: 2),
                KeyValue(key: "/r/c", value: "c1".bytes, createRevision: 3, modRevision: 3),
            ])
            let atFour = try await store.range(prefix: "/r/", startKey: nil, revision: 4, limit: 1)
            #expect(atFour.items.map(\.key) == ["/r/a"])
            #expect(atFour.count == 2)
            #expect(atFour.more)
            let now = try await store.range(prefix: "/r/", startKey: nil, revision: nil, limit: nil)
            #expect(now.revision == 6)
            #expect(now.items.map(\.key) == ["/r/a", "/r/c", "/r/d"])
            #expect(now.items.map(\.value) == ["a2", "c1", "d1"].map(\.bytes))
        }
    }

    @Test(arguments: Backend.allCases)
    func readsOutsideTheRetainedWindowFail(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            for i in 1...5 { try await store.create("/k/\(i)", value: Data()) }
            await expectStorageError(.futureRevision(requested: 6, current: 5)) { try await store.get("/k/1", revision: 6) }
            await expectStorageError(.futureRevision(requested: 9, current: 5)) {
                try await store.range(prefix: "/k/", startKey: nil, revision: 9, limit: nil)
            }
            try await store.compact(revision: 3)
            #expect(try await store.compactedRevision() == 3)
            await expectStorageError(.compacted(requested: 2, compactRevision: 3)) { try await store.get("/k/1", revision: 2) }
            await expectStorageError(.compacted(requested: 1, compactRevision: 3)) {
                try await store.range(prefix: "/k/", startKey: nil, revision: 1, limit: nil)
            }
            // The compaction point itself stays readable.
            #expect(try await store.range(prefix: "/k/", startKey: nil, revision: 3, limit: nil).count == 3)
        }
    }

    // MARK: Compaction

    @Test(arguments: Backend.allCases)
    func compactionKeepsWhatReadsAtOrAfterItNeed(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/c/a", value: "a1".bytes) // 1
            try await store.update("/c/a", value: "a2".bytes, expectedModRevision: 1) // 2
            try await store.create("/c/b", value: "b1".bytes) // 3
            try await store.delete("/c/b", expectedModRevision: 3) // 4
            try await store.update("/c/a", value: "a3".bytes, expectedModRevision: 2) // 5
            try await store.create("/c/e", value: "e1".bytes) // 6
            try await store.delete("/c/e", expectedModRevision: 6) // 7
            try await store.compact(revision: 4)
            #expect(try await store.get("/c/a", revision: 4)?.value == "a2".bytes)
            #expect(try await store.get("/c/b", revision: 4) == nil)
            #expect(try await store.get("/c/a", revision: 5)?.value == "a3".bytes)
            #expect(try await store.get("/c/e", revision: 6)?.value == "e1".bytes)
            #expect(try await store.range(prefix: "/c/", startKey: nil, revision: 4, limit: nil).items.map(\.key) == ["/c/a"])
            #expect(try await store.range(prefix: "/c/", startKey: nil, revision: 6, limit: nil).items.map(\.key) == ["/c/a", "/c/e"])
            // History after the point is all there for a watch from it.
            let events = try await collect(try await store.watch(prefix: "/c/", afterRevision: 4), count: 3)
            #expect(events.map(\.revision) == [5, 6, 7])
            #expect(events[0].previous?.value == "a2".bytes)
            // Compacting again at the same point changes nothing; below it or in the future fails.
            try await store.compact(revision: 4)
            await expectStorageError(.compacted(requested: 3, compactRevision: 4)) { try await store.compact(revision: 3) }
            await expectStorageError(.futureRevision(requested: 8, current: 7)) { try await store.compact(revision: 8) }
            try await store.compact(revision: 7)
            #expect(try await store.range(prefix: "/c/", startKey: nil, revision: 7, limit: nil).items.map(\.value) == ["a3".bytes])
            #expect(try await store.currentRevision() == 7)
            // Writes continue from the same revision.
            #expect(try await store.create("/c/b", value: "b2".bytes).modRevision == 8)
        }
    }

    // MARK: Watch

    @Test(arguments: Backend.allCases)
    func watchReplaysLaterEventsThenFollowsLiveOnes(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/registry/pods/a", value: "a1".bytes) // 1
            try await store.create("/registry/pods/b", value: "b1".bytes) // 2
            try await store.create("/registry/podsx/z", value: "z".bytes) // 3
            try await store.update("/registry/pods/a", value: "a2".bytes, expectedModRevision: 1) // 4
            try await store.create("/registry/services/s", value: "s".bytes) // 5
            let stream = try await store.watch(prefix: "/registry/pods/", afterRevision: 2)
            let replayed = try await collect(stream, count: 1)
            #expect(replayed == [WatchEvent(
                kind: .put,
                kv: KeyValue(key: "/registry/pods/a", value: "a2".bytes, createRevision: 1, modRevision: 4),
                previous: KeyValue(key: "/registry/pods/a", value: "a1".bytes, createRevision: 1, modRevision: 1))])
            try await store.create("/registry/podsx/y", value: "y".bytes) // 6, not ours
            try await store.delete("/registry/pods/b", expectedModRevision: 2) // 7
            try await store.create("/registry/pods/c", value: "c1".bytes) // 8
            let live = try await collect(stream, count: 2)
            #expect(live == [
                WatchEvent(kind: .delete,
                           kv: KeyValue(key: "/registry/pods/b", value: "b1".bytes, createRevision: 2, modRevision: 7),
                           previous: KeyValue(key: "/registry/pods/b", value: "b1".bytes, createRevision: 2, modRevision: 2)),
                WatchEvent(kind: .put,
                           kv: KeyValue(key: "/registry/pods/c", value: "c1".bytes, createRevision: 8, modRevision: 8),
                           previous: nil),
            ])
        }
    }

    @Test(arguments: Backend.allCases)
    func watchFromZeroReplaysEverythingAndFromTheFutureWaits(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            for i in 1...4 { try await store.create("/w/\(i)", value: Data()) }
            let everything = try await collect(try await store.watch(prefix: "", afterRevision: 0), count: 4)
            #expect(everything.map(\.revision) == [1, 2, 3, 4])
            #expect(everything.allSatisfy { $0.kind == .put && $0.previous == nil })
            // A watch after the current revision starts later: revision 5 is not sent, 6 is.
            let future = try await store.watch(prefix: "/w/", afterRevision: 5)
            try await store.create("/w/5", value: Data())
            try await store.create("/w/6", value: Data())
            #expect(try await collect(future, count: 1).map(\.kv.key) == ["/w/6"])
        }
    }

    @Test(arguments: Backend.allCases)
    func watchFromACompactedRevisionFails(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            for i in 1...6 { try await store.create("/w/\(i)", value: Data()) }
            try await store.compact(revision: 4)
            await expectStorageError(.compacted(requested: 3, compactRevision: 4)) {
                try await store.watch(prefix: "/w/", afterRevision: 3)
            }
            await expectStorageError(.compacted(requested: 0, compactRevision: 4)) {
                try await store.watch(prefix: "", afterRevision: 0)
            }
            let fromPoint = try await collect(try await store.watch(prefix: "/w/", afterRevision: 4), count: 2)
            #expect(fromPoint.map(\.revision) == [5, 6])
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentWritersGetGapFreeRevisionsAndWatchersSeeThemInOrder(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let tasks = 8, perTask = 200, total = tasks * perTask
            let all = try await store.watch(prefix: "/load/", afterRevision: 0)
            let half = try await store.watch(prefix: "/load/3/", afterRevision: 0)
            let revisions = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for t in 0..<tasks {
                    group.addTask {
                        var mine: [Int64] = []
                        for i in 0..<perTask {
                            mine.append(try await store.create("/load/\(t)/\(i)", value: "\(t)-\(i)".bytes).modRevision)
                        }
                        return mine
                    }
                }
                var all: [Int64] = []
                for try await mine in group {
                    #expect(mine == mine.sorted())
                    all += mine
                }
                return all
            }
            #expect(revisions.sorted() == Array(1...Int64(total)))
            #expect(try await store.currentRevision() == Int64(total))
            let events = try await collect(all, count: total)
            #expect(events.map(\.revision) == Array(1...Int64(total)))
            let byKey = Dictionary(uniqueKeysWithValues: events.map { ($0.kv.key, $0.kv.value) })
            #expect(byKey.count == total)
            #expect(byKey["/load/5/17"] == "5-17".bytes)
            let filtered = try await collect(half, count: perTask)
            #expect(filtered.allSatisfy { $0.kv.key.hasPrefix("/load/3/") })
            #expect(filtered.map(\.kv.key) == (0..<perTask).map { "/load/3/\($0)" })
            let listed = try await store.range(prefix: "/load/", startKey: nil, revision: nil, limit: 10)
            #expect(listed.count == total)
        }
    }

    @Test(arguments: Backend.allCases)
    func racingWritesToOneKeyHaveExactlyOneWinner(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let creates = await withTaskGroup(of: Result<KeyValue, StorageError>.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        do { return .success(try await store.create("/one", value: "\(i)".bytes)) }
                        catch { return .failure(error as! StorageError) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = creates.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            #expect(winners.first?.modRevision == 1)
            #expect(creates.filter { $0 == .failure(.keyExists("/one")) }.count == 39)
            let updates = await withTaskGroup(of: Result<KeyValue, StorageError>.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        do { return .success(try await store.update("/one", value: "u\(i)".bytes, expectedModRevision: 1)) }
                        catch { return .failure(error as! StorageError) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let updated = updates.compactMap { try? $0.get() }
            #expect(updated.count == 1)
            #expect(updated.first?.modRevision == 2)
            #expect(updates.filter { $0 == .failure(.conflict(key: "/one", currentModRevision: 2)) }.count == 39)
            let current = try await store.get("/one", revision: nil)
            #expect(current == updated.first)
            let revision = try await store.currentRevision()
            #expect(revision == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func watchesOpenedDuringWritesMissNothingAndRepeatNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let writes = 400
            let writer = Task {
                for i in 0..<writes { try await store.create("/race/\(i)", value: Data()) }
            }
            var watches: [(after: Int64, stream: AsyncThrowingStream<WatchEvent, Error>)] = []
            for _ in 0..<20 {
                let after = try await store.currentRevision()
                watches.append((after, try await store.watch(prefix: "/race/", afterRevision: after)))
                await Task.yield()
            }
            try await writer.value
            for (after, stream) in watches {
                let events = try await collect(stream, count: writes - Int(after))
                #expect(events.map(\.revision) == Array(stride(from: after + 1, through: Int64(writes), by: 1)))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aSlowWatcherIsDroppedAfterItsBacklog(_ backend: Backend) async throws {
        try await withStore(backend, maxWatcherBacklog: 5) { store in
            try await store.create("/s/before", value: Data()) // 1
            let slow = try await store.watch(prefix: "/s/", afterRevision: 0)
            let unrelated = try await store.watch(prefix: "/other/", afterRevision: 0)
            #expect(watcherCount(store) == 2)
            for i in 0..<20 { try await store.create("/s/\(i)", value: Data()) }
            #expect(watcherCount(store) == 1)
            let (events, error) = try await drain(slow)
            // The replayed event plus a full backlog, gap-free, then the error.
            #expect(events.map(\.revision) == Array(1...6))
            #expect(error as? StorageError == .watcherTooSlow)
            // The store and the other watcher are unaffected.
            try await store.create("/other/x", value: Data())
            #expect(try await collect(unrelated, count: 1).map(\.revision) == [22])
        }
    }

    @Test(arguments: Backend.allCases)
    func aLargeReplayIsNotMistakenForASlowWatcher(_ backend: Backend) async throws {
        try await withStore(backend, maxWatcherBacklog: 3) { store in
            for i in 0..<50 { try await store.create("/big/\(i)", value: Data()) }
            let stream = try await store.watch(prefix: "/big/", afterRevision: 0)
            try await store.create("/big/live", value: Data())
            let events = try await collect(stream, count: 51)
            #expect(events.map(\.revision) == Array(1...51))
        }
    }

    @Test(arguments: Backend.allCases)
    func cancellingTheConsumerEndsTheWatch(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let stream = try await store.watch(prefix: "/x/", afterRevision: 0)
            #expect(watcherCount(store) == 1)
            let consumer = Task {
                var seen = 0
                for try await _ in stream { seen += 1 }
                return seen
            }
            try await store.create("/x/1", value: Data())
            // Stays: gives the consumer time to park in the stream; the checks below hold whether or not it did.
            try await Task.sleep(for: .milliseconds(50))
            consumer.cancel()
            _ = try? await consumer.value
            var waited = 0
            while watcherCount(store) > 0, waited < 200 {
                // Polls: the store drops a cancelled watcher on its own task, and nothing signals when.
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            #expect(watcherCount(store) == 0)
            try await store.create("/x/2", value: Data())
        }
    }

    @Test(arguments: Backend.allCases)
    func closingEndsWatchesAndRejectsCalls(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            try await store.create("/k", value: Data())
            let stream = try await store.watch(prefix: "/", afterRevision: 1)
            await store.close()
            let (events, error) = try await drain(stream)
            #expect(events.isEmpty)
            #expect(error as? StorageError == .unavailable("the store is closed"))
            await expectStorageError(.unavailable("the store is closed")) { try await store.currentRevision() }
            await expectStorageError(.unavailable("the store is closed")) { try await store.get("/k", revision: nil) }
            await expectStorageError(.unavailable("the store is closed")) { try await store.create("/j", value: Data()) }
            await expectStorageError(.unavailable("the store is closed")) { try await store.watch(prefix: "/", afterRevision: 0) }
        }
    }

    @Test(arguments: Backend.allCases)
    func rangeByPrefixPagesAmongTenThousandKeys(_ backend: Backend) async throws {
        try await withStore(backend) { store in
            let kinds = ["configmaps", "pods", "secrets", "services"]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for kind in kinds {
                    group.addTask {
                        for i in 0..<2_500 { try await store.create("/registry/\(kind)/ns/\(kind)-\(i)", value: Data(count: 64)) }
                    }
                }
                try await group.waitForAll()
            }
            // A page starts at its start key, stays inside its prefix and says how many remain; how fast
            // it is belongs to `skiff bench api`, not to a test.
            let page = try await store.range(prefix: "/registry/secrets/", startKey: "/registry/secrets/ns/secrets-2", revision: nil, limit: 5)
            let keys = (0..<2_500).map { "/registry/secrets/ns/secrets-\($0)" }.sorted()
            let from = try #require(keys.firstIndex(of: "/registry/secrets/ns/secrets-2"))
            #expect(page.items.map(\.key) == Array(keys[from..<(from + 5)]))
            #expect(page.count == keys.count - from)
            let sample = try await store.range(prefix: "/registry/pods/", startKey: nil, revision: nil, limit: nil)
            #expect(sample.count == 2_500)
            #expect(sample.items.allSatisfy { $0.key.hasPrefix("/registry/pods/") })
        }
    }
}
