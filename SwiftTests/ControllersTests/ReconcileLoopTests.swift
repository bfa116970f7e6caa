@testable import Client
import Logging
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// A reconciler whose outcomes the test scripts: each call takes the next one (true succeeds), and fails
/// once the script runs out. Counts its calls.
final class ScriptedReconciler: Reconciler {
    struct Failure: Error {}
    let script = Mutex<[Bool]>([])
    let calls = Atomic<Int>(0)

    func then(_ outcomes: [Bool]) { script.withLock { $0 += outcomes } }

    func reconcile(_ key: String) async throws {
        calls.add(1, ordering: .relaxed)
        let succeed = script.withLock { $0.isEmpty ? false : $0.removeFirst() }
        if !succeed { throw Failure() }
    }
}

/// The loop's retries on a `ManualClock`: each failure parks the key's next attempt on the clock, so the
/// pending sleep is the backoff, read without waiting for it.
@Suite(.timeLimit(.minutes(1)))
struct ReconcileLoopTests {
    let clock = ManualClock()
    let reconciler = ScriptedReconciler()
    let queue: WorkQueue<String>

    init() { queue = WorkQueue<String>(clock: clock) }

    /// Runs the loop with `maxRetries` while `body` drives it.
    func withLoop(maxRetries: Int?, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "reconcile-loop-tests")
        logger.logLevel = .critical
        let loop = ReconcileLoop(name: "test", queue: queue, reconciler: reconciler, maxRetries: maxRetries, logger: logger)
        let running = Task { await loop.run(workers: 1, informers: []) }
        defer { running.cancel() }
        try await body()
    }

    /// Waits for the failed key's retry to park, and checks it waits `expected`; then lets it run.
    func expectRetry(after expected: Duration, sourceLocation: SourceLocation = #_sourceLocation) async {
        await clock.waitForSleepers(count: 1)
        #expect(clock.pendingSleeps == [expected], sourceLocation: sourceLocation)
        clock.advance(by: clock.pendingSleeps.first ?? .zero)
    }

    @Test func failuresBackOffExponentiallyUpToTheCapAndASuccessResets() async throws {
        try await withLoop(maxRetries: nil) {
            queue.add("t/web")
            // 5ms doubling per failure: 5, 10, 20, ... 640ms.
            for k in 0..<8 {
                await expectRetry(after: .milliseconds(5 << k))
            }
            await clock.waitForSleepers(count: 1)
            #expect(reconciler.calls.load(ordering: .relaxed) == 9)
            #expect(queue.numRequeues("t/web") == 9)
            // The ninth retry succeeds: the key's backoff is forgotten, nothing is parked any more.
            reconciler.then([true])
            await expectRetry(after: .milliseconds(1280))
            #expect(await eventually { reconciler.calls.load(ordering: .relaxed) == 10 && queue.waitingGets == 1 })
            #expect(clock.pendingSleeps.isEmpty)
            #expect(queue.numRequeues("t/web") == 0)

            // The next failure starts from 5ms again, and without a retry limit the key is retried for as
            // long as it fails, the wait staying at the 1000s cap (5ms * 2^18 > 1000s).
            queue.add("t/web")
            for k in 0..<18 {
                await expectRetry(after: .milliseconds(5 << k))
            }
            for _ in 0..<3 {
                await expectRetry(after: .seconds(1000))
            }
            await clock.waitForSleepers(count: 1)
            #expect(queue.numRequeues("t/web") == 22)
        }
    }

    /// Keys are backed off independently: one key's failures do not slow another's first retry.
    @Test func backoffIsPerKey() async throws {
        try await withLoop(maxRetries: nil) {
            queue.add("t/a")
            await expectRetry(after: .milliseconds(5))
            await expectRetry(after: .milliseconds(10))
            await clock.waitForSleepers(count: 1)
            queue.add("t/b")
            await clock.waitForSleepers { $0 == [.milliseconds(5), .milliseconds(20)] }
            #expect(queue.numRequeues("t/a") == 3 && queue.numRequeues("t/b") == 1)
        }
    }

    /// With the default limit (upstream's 15), the sixteenth failure drops the key until its next event.
    @Test func aRetryLimitDropsTheKey() async throws {
        try await withLoop(maxRetries: ReconcileLoop.defaultMaxRetries) {
            queue.add("t/web")
            for k in 0..<15 {
                await expectRetry(after: .milliseconds(5 << k))
            }
            #expect(await eventually { reconciler.calls.load(ordering: .relaxed) == 16 && queue.waitingGets == 1 })
            #expect(clock.pendingSleeps.isEmpty)
            #expect(queue.numRequeues("t/web") == 0)
        }
    }
}
