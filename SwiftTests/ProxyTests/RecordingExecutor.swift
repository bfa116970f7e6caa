import Foundation
import Synchronization

@testable import Proxy

/// An executor that keeps the scripts it is given instead of running them, and fails on request.
final class RecordingExecutor: NFTablesExecutor {
    struct Failure: Error {}
    let scripts = Mutex<[String]>([])
    let failNext = Mutex(false)
    let existing = Mutex(ExistingObjects())

    func apply(_ script: String) async throws {
        if failNext.withLock({ f in defer { f = false }; return f }) { throw Failure() }
        scripts.withLock { $0.append(script) }
    }

    func existingObjects(layout: TableLayout) async throws -> ExistingObjects { existing.withLock { $0 } }

    var last: String? { scripts.withLock { $0.last } }
    var count: Int { scripts.withLock { $0.count } }
}
