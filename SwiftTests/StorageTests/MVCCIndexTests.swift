import Foundation
import Testing
@testable import Storage

/// The engine's building blocks, below the store API.
@Suite("MVCC index")
struct MVCCIndexTests {
    @Test func byteKeysCompareAndMatchPrefixesByBytes() {
        #expect(ByteKey("/a/B") < ByteKey("/a/a"))
        #expect(ByteKey("/a") < ByteKey("/a/"))
        #expect(ByteKey("/a/\u{7F}") < ByteKey("/a/\u{E9}"))
        #expect(ByteKey("e\u{301}") != ByteKey("\u{E9}"))
        #expect(Set([ByteKey("e\u{301}"), ByteKey("\u{E9}"), ByteKey("\u{E9}")]).count == 2)
        #expect(ByteKey("/registry/pods/x").hasPrefix(ByteKey("/registry/pods/")))
        #expect(!ByteKey("/registry/podsx/x").hasPrefix(ByteKey("/registry/pods/")))
        #expect(!ByteKey("/registry/pods").hasPrefix(ByteKey("/registry/pods/")))
        #expect(ByteKey("anything").hasPrefix(ByteKey("")))
        #expect(ByteKey.compareBytes("abc", "abd") < 0)
        #expect(ByteKey.compareBytes("abc", "abd", length: 2) == 0)
        #expect(ByteKey.compareBytes("", "") == 0)
    }

    @Test func historyFindsTheVersionLiveAtARevision() {
        var history = KeyHistory()
        for (revision, tombstone) in [(2, false), (5, false), (7, true), (9, false)] as [(Int64, Bool)] {
            history.versions.append(KeyVersion(modRevision: revision, createRevision: revision == 9 ? 9 : 2,
                                               value: Data("\(revision)".utf8), isTombstone: tombstone))
        }
        #expect(history.live(at: 1) == nil)
        #expect(history.live(at: 2)?.modRevision == 2)
        #expect(history.live(at: 4)?.modRevision == 2)
        #expect(history.live(at: 6)?.modRevision == 5)
        #expect(history.live(at: 7) == nil)
        #expect(history.live(at: 8) == nil)
        #expect(history.live(at: 100)?.modRevision == 9)

        var compacted = history
        let keptAtSix = compacted.compact(at: 6)
        #expect(keptAtSix)
        #expect(compacted.versions.map(\.modRevision) == [5, 7, 9])
        let keptAtEight = compacted.compact(at: 8) // the tombstone live at 8 goes too
        #expect(keptAtEight)
        #expect(compacted.versions.map(\.modRevision) == [9])
        var deleted = history
        deleted.versions.removeLast()
        let keptAtSeven = deleted.compact(at: 7) // nothing left: the key can be forgotten
        #expect(!keptAtSeven)
        #expect(deleted.versions.isEmpty)
    }

    @Test func aBatchIsPlannedInOrderAndFailuresCostNoRevision() {
        var index = MVCCIndex()
        index.apply(WatchEvent(kind: .put, kv: KeyValue(key: "/a", value: Data(), createRevision: 1, modRevision: 1), previous: nil))
        let plans = index.plan([
            .create(key: "/a", value: Data()), // exists
            .create(key: "/b", value: Data("b".utf8)), // 2
            .update(key: "/b", value: Data("b2".utf8), expectedModRevision: 2), // 3, sees the batch's create
            .update(key: "/a", value: Data(), expectedModRevision: 2), // conflict: /a is at 1
            .delete(key: "/a", expectedModRevision: 1), // 4
            .update(key: "/a", value: Data(), expectedModRevision: nil), // deleted in this batch
            .create(key: "/a", value: Data("again".utf8)), // 5
        ])
        #expect(plans.map { (try? $0.get())?.revision } == [nil, 2, 3, nil, 4, nil, 5])
        #expect(plans[0] == .failure(.keyExists("/a")))
        #expect(plans[3] == .failure(.conflict(key: "/a", currentModRevision: 1)))
        #expect(plans[5] == .failure(.notFound("/a")))
        #expect((try? plans[2].get())?.previous?.value == Data("b".utf8))
        #expect((try? plans[6].get())?.kv.createRevision == 5)
        // Planning applied nothing.
        #expect(index.revision == 1)
        #expect(index.get(ByteKey("/b"), at: 1) == nil)
    }

    @Test func restoringRejectsAGapInTheLog() {
        let records = [
            LogRecord(revision: 1, key: "/a", value: Data(), createRevision: 1, deleted: false),
            LogRecord(revision: 3, key: "/b", value: Data(), createRevision: 3, deleted: false),
        ]
        #expect(throws: StorageError.self) { try MVCCIndex.restore(compactRevision: 0, records: records) }
    }

    @Test func restoringRejectsADeleteOfAnAbsentKey() {
        let records = [LogRecord(revision: 1, key: "/a", value: Data(), createRevision: 1, deleted: true)]
        #expect(throws: StorageError.self) { try MVCCIndex.restore(compactRevision: 0, records: records) }
    }

    @Test func restoringRebuildsBaseStateAndEvents() throws {
        let records = [
            LogRecord(revision: 2, key: "/b", value: Data("b".utf8), createRevision: 1, deleted: false),
            LogRecord(revision: 3, key: "/a", value: Data("a".utf8), createRevision: 3, deleted: false),
            LogRecord(revision: 5, key: "/b", value: Data(), createRevision: 1, deleted: true),
            LogRecord(revision: 6, key: "/a", value: Data("a2".utf8), createRevision: 3, deleted: false),
        ]
        let index = try MVCCIndex.restore(compactRevision: 4, records: records)
        #expect(index.revision == 6)
        #expect(index.compactRevision == 4)
        #expect(index.keys == [ByteKey("/a"), ByteKey("/b")])
        #expect(index.get(ByteKey("/b"), at: 4) == KeyValue(key: "/b", value: Data("b".utf8), createRevision: 1, modRevision: 2))
        #expect(index.get(ByteKey("/b"), at: 5) == nil)
        #expect(index.events.map(\.revision) == [5, 6])
        #expect(index.events[0].kv == KeyValue(key: "/b", value: Data("b".utf8), createRevision: 1, modRevision: 5))
        #expect(index.events[1].previous?.value == Data("a".utf8))
        #expect(index.events(after: 5, prefix: ByteKey("/")).map(\.revision) == [6])
    }
}
