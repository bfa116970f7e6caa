import Foundation
import Storage

/// Compacts the store's history on a timer, as kube-apiserver does every five minutes: each tick compacts
/// to the revision seen at the previous tick, so a watcher always has at least one interval to resume.
struct Compactor: Sendable {
    let store: any KeyValueStore
    let interval: Duration

    func run() async {
        var previous: Int64 = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                let now = try await store.currentRevision()
                if previous > 0 { try await store.compact(revision: previous) }
                previous = now
            } catch {
                if Task.isCancelled { return }
            }
        }
    }
}
