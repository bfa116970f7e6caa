import Foundation
import GRDB
import Testing
@testable import Storage

/// What only a durable backend must do: keep everything across close, reopen and crashes.
@Suite("SQLiteStore durability")
struct SQLiteStoreTests {
    @Test func reopeningKeepsDataHistoryAndTheRevision() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try SQLiteStore(path: folder.databasePath)
        try await first.create("/registry/pods/a", value: "a1".bytes) // 1
        try await first.create("/registry/pods/b", value: "b1".bytes) // 2
        try await first.update("/registry/pods/a", value: "a2".bytes, expectedModRevision: 1) // 3
        try await first.delete("/registry/pods/b", expectedModRevision: 2) // 4
        try await first.create("/registry/pods/b", value: "b2".bytes) // 5
        await first.close()

        let second = try SQLiteStore(path: folder.databasePath)
        #expect(try await second.currentRevision() == 5)
        #expect(try await second.get("/registry/pods/a", revision: nil) == KeyValue(key: "/registry/pods/a", value: "a2".bytes, createRevision: 1, modRevision: 3))
        #expect(try await second.get("/registry/pods/a", revision: 2)?.value == "a1".bytes)
        #expect(try await second.get("/registry/pods/b", revision: 4) == nil)
        #expect(try await second.get("/registry/pods/b", revision: nil)?.createRevision == 5)
        // The restored event log carries the same previous values as the live one did.
        let history = try await collect(try await second.watch(prefix: "/registry/pods/", afterRevision: 0), count: 5)
        #expect(history.map(\.revision) == [1, 2, 3, 4, 5])
        #expect(history.map(\.kind) == [.put, .put, .put, .delete, .put])
        #expect(history[2].previous?.value == "a1".bytes)
        #expect(history[3].kv == KeyValue(key: "/registry/pods/b", value: "b1".bytes, createRevision: 2, modRevision: 4))
        #expect(history[4].previous == nil)
        // Revisions continue, and the old rules still hold.
        #expect(try await second.create("/registry/pods/c", value: Data()).modRevision == 6)
        await expectStorageError(.keyExists("/registry/pods/a")) { try await second.create("/registry/pods/a", value: Data()) }
        await expectStorageError(.conflict(key: "/registry/pods/a", currentModRevision: 3)) {
            try await second.update("/registry/pods/a", value: Data(), expectedModRevision: 1)
        }
        await second.close()

        let third = try SQLiteStore(path: folder.databasePath)
        #expect(try await third.currentRevision() == 6)
        await third.close()
    }

    @Test func compactionIsPersistedAndTheRevisionSurvivesIt() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let first = try SQLiteStore(path: folder.databasePath)
        try await first.create("/k/a", value: "a1".bytes) // 1
        try await first.update("/k/a", value: "a2".bytes, expectedModRevision: 1) // 2
        try await first.create("/k/b", value: "b1".bytes) // 3
        try await first.update("/k/a", value: "a3".bytes, expectedModRevision: 2) // 4
        try await first.delete("/k/b", expectedModRevision: 3) // 5: the last write is a delete...
        try await first.compact(revision: 5) // ...which compaction removes from the log.
        await first.close()

        let rows = try await DatabaseQueue(path: folder.databasePath).read { db in
            try Int64.fetchAll(db, sql: "SELECT revision FROM log ORDER BY revision")
        }
        #expect(rows == [4])

        let second = try SQLiteStore(path: folder.databasePath)
        #expect(try await second.compactedRevision() == 5)
        #expect(try await second.currentRevision() == 5)
        await expectStorageError(.compacted(requested: 4, compactRevision: 5)) { try await second.get("/k/a", revision: 4) }
        await expectStorageError(.compacted(requested: 2, compactRevision: 5)) { try await second.watch(prefix: "/k/", afterRevision: 2) }
        let atPoint = try await second.range(prefix: "/k/", startKey: nil, revision: 5, limit: nil)
        #expect(atPoint.items == [KeyValue(key: "/k/a", value: "a3".bytes, createRevision: 1, modRevision: 4)])
        // The next write takes revision 6, not 5 again.
        #expect(try await second.create("/k/b", value: "b2".bytes) == KeyValue(key: "/k/b", value: "b2".bytes, createRevision: 6, modRevision: 6))
        let stream = try await second.watch(prefix: "/k/", afterRevision: 5)
        #expect(try await collect(stream, count: 1).map(\.revision) == [6])
        await second.close()
    }

    @Test func compactionKeepsRowsNeededAfterThePoint() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteStore(path: folder.databasePath)
        for i in 1...3 { try await store.create("/k/\(i)", value: "\(i)".bytes) } // 1-3
        try await store.update("/k/1", value: "1b".bytes, expectedModRevision: 1) // 4
        try await store.delete("/k/2", expectedModRevision: 2) // 5
        try await store.update("/k/1", value: "1c".bytes, expectedModRevision: 4) // 6
        try await store.compact(revision: 4)
        await store.close()
        let rows = try await DatabaseQueue(path: folder.databasePath).read { db in
            try Int64.fetchAll(db, sql: "SELECT revision FROM log ORDER BY revision")
        }
        // 1 is superseded by 4; 2 must stay (live at 4, deleted at 5); 3 and 4 are live at 4; 5, 6 follow.
        #expect(rows == [2, 3, 4, 5, 6])
        let reopened = try SQLiteStore(path: folder.databasePath)
        let events = try await collect(try await reopened.watch(prefix: "/k/", afterRevision: 4), count: 2)
        #expect(events[0].kind == .delete)
        #expect(events[0].kv == KeyValue(key: "/k/2", value: "2".bytes, createRevision: 2, modRevision: 5))
        #expect(events[1].previous == KeyValue(key: "/k/1", value: "1b".bytes, createRevision: 1, modRevision: 4))
        await reopened.close()
    }

    /// A crash leaves no clean shutdown: a second store opened on the file while the first is still
    /// open (never closed, as if its process had been killed) must see every acknowledged write.
    @Test func everyAcknowledgedWriteSurvivesWithoutACleanShutdown() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let crashed = try SQLiteStore(path: folder.databasePath)
        let acknowledged = try await withThrowingTaskGroup(of: [KeyValue].self) { group in
            for t in 0..<4 {
                group.addTask {
                    var mine: [KeyValue] = []
                    for i in 0..<100 {
                        let key = "/crash/\(t)/\(i)"
                        var kv = try await crashed.create(key, value: "v0".bytes)
                        if i % 3 == 0 { kv = try await crashed.update(key, value: "v1".bytes, expectedModRevision: kv.modRevision) }
                        if i % 5 == 0 { kv = try await crashed.delete(key, expectedModRevision: kv.modRevision) }
                        mine.append(kv)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let lastRevision = acknowledged.map(\.modRevision).max()

        let survivor = try SQLiteStore(path: folder.databasePath)
        #expect(try await survivor.currentRevision() == lastRevision)
        for kv in acknowledged {
            let found = try await survivor.get(kv.key, revision: nil)
            if Int(kv.key.split(separator: "/").last!)! % 5 == 0 {
                #expect(found == nil)
            } else {
                #expect(found == kv)
            }
        }
        #expect(try await survivor.range(prefix: "/crash/", startKey: nil, revision: nil, limit: 1).count == 4 * 80)
        await survivor.close()
        await crashed.close()
    }

    @Test func openingCreatesMissingFoldersAndTheFactoryPicksTheBackend() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.url.appendingPathComponent("a/b/skiff.db").path
        let sqlite = try openStore(.sqlite(path: path))
        #expect(sqlite is SQLiteStore)
        try await sqlite.create("/x", value: "1".bytes)
        await sqlite.close()
        #expect(FileManager.default.fileExists(atPath: path))
        let memory = try openStore(.memory)
        #expect(memory is MemoryStore)
        #expect(try await memory.currentRevision() == 0)
        await memory.close()
    }

    @Test func aFileThatIsNotADatabaseIsRejected() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Data("this is not sqlite, just some bytes that are long enough to be a header".utf8)
            .write(to: URL(fileURLWithPath: folder.databasePath))
        #expect(throws: (any Error).self) { try SQLiteStore(path: folder.databasePath) }
    }

    @Test func closingWhileWritesAreQueuedLosesNoAcknowledgedWrite() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let store = try SQLiteStore(path: folder.databasePath)
        let writers = (0..<8).map { t in
            Task { () -> [KeyValue] in
                var done: [KeyValue] = []
                for i in 0..<100 {
                    do { done.append(try await store.create("/q/\(t)/\(i)", value: "\(i)".bytes)) }
                    catch let error as StorageError {
                        #expect(error == .unavailable("the store is closed"))
                        break
                    } catch {
                        Issue.record("unexpected \(error)")
                        break
                    }
                }
                return done
            }
        }
        // Stays: lets some writes be acknowledged before the close lands among them; the checks below hold for any split.
        try await Task.sleep(for: .milliseconds(20))
        await store.close()
        var acknowledged: [KeyValue] = []
        for writer in writers { acknowledged += await writer.value }
        let reopened = try SQLiteStore(path: folder.databasePath)
        #expect(try await reopened.currentRevision() == Int64(acknowledged.count))
        for kv in acknowledged { #expect(try await reopened.get(kv.key, revision: nil) == kv) }
        await reopened.close()
    }
}
