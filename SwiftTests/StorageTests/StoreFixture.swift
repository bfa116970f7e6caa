import EtcdStorage
import Foundation
import Testing
@testable import Storage

/// A backend the conformance suite runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    /// A fresh one-member etcd per test (`EtcdFixture`): fails, not skips, where etcd is not installed.
    case etcd

    var testDescription: String { rawValue }
}

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("skiff-storage-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("state.db").path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Opens a fresh store of `backend`, runs `body`, then closes it and removes its files.
func withStore(
    _ backend: Backend, maxWatcherBacklog: Int = MemoryStore.defaultMaxWatcherBacklog,
    _ body: (any KeyValueStore) async throws -> Void
) async throws {
    if backend == .etcd {
        try await EtcdFixture.withEtcd { etcd in
            let store = try EtcdStore(endpoints: etcd.endpoints, maxWatcherBacklog: maxWatcherBacklog)
            do {
                try await body(store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
        return
    }
    let folder = try TemporaryFolder()
    defer { folder.remove() }
    let store: any KeyValueStore = switch backend {
    case .memory: MemoryStore(maxWatcherBacklog: maxWatcherBacklog)
    case .sqlite: try SQLiteStore(path: folder.databasePath, maxWatcherBacklog: maxWatcherBacklog)
    case .etcd: fatalError("opened above")
    }
    do {
        try await body(store)
    } catch {
        await store.close()
        throw error
    }
    await store.close()
}

func watcherCount(_ store: any KeyValueStore) -> Int {
    switch store {
    case let memory as MemoryStore: memory.watcherCount
    case let sqlite as SQLiteStore: sqlite.watcherCount
    case let etcd as EtcdStore: etcd.watcherCount
    default: -1
    }
}

extension String {
    var bytes: Data { Data(utf8) }
}

struct TimedOut: Error {}

/// The next `count` events of `stream`, failing after `timeout` rather than hanging the suite.
func collect(
    _ stream: AsyncThrowingStream<WatchEvent, Error>, count: Int, timeout: Duration = .seconds(20)
) async throws -> [WatchEvent] {
    try await withThrowingTaskGroup(of: [WatchEvent]?.self) { group in
        group.addTask {
            var events: [WatchEvent] = []
            guard count > 0 else { return events }
            for try await event in stream {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            // Stays: the deadline of the race above.
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let events = first else { throw TimedOut() }
        return events
    }
}

/// Every event of `stream` until it ends, and the error it ended with (nil: ended normally).
func drain(
    _ stream: AsyncThrowingStream<WatchEvent, Error>, timeout: Duration = .seconds(20)
) async throws -> (events: [WatchEvent], error: (any Error)?) {
    try await withThrowingTaskGroup(of: ([WatchEvent], (any Error)?)?.self) { group in
        group.addTask {
            var events: [WatchEvent] = []
            do {
                for try await event in stream { events.append(event) }
                return (events, nil)
            } catch {
                return (events, error)
            }
        }
        group.addTask {
            // Stays: the deadline of the race above.
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else { throw TimedOut() }
        return result
    }
}

/// Asserts that `body` throws exactly `expected`.
func expectStorageError<T>(
    _ expected: StorageError, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as StorageError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), got \(error)", sourceLocation: sourceLocation)
    }
}
