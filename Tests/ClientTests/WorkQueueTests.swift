import Client
import Foundation
import Synchronization
import Testing
import TestSupport

/// What concurrent workers did: which keys were in flight together, and how often each was processed.
final class WorkerStats: Sendable {
    let state = Mutex<(inFlight: Set<Int>, overlaps: Int, processed: [Int: Int])>(([], 0, [:]))
    func begin(_ k: Int) {
        state.withLock { s in if !s.inFlight.insert(k).inserted { s.overlaps += 1 } }
    }
    func end(_ k: Int) {
        state.withLock { s in
            s.inFlight.remove(k)
            s.processed[k, default: 0] += 1
        }
    }
    var overlapCount: Int { state.withLock { $0.overlaps } }
    var processedCounts: [Int: Int] { state.withLock { $0.processed } }
}

@Suite(.timeLimit(.minutes(1)))
struct WorkQueueTests {
    @Test func aKeyQueuedTwiceIsProcessedOnce() async {
        let q = WorkQueue<String>()
        q.add("a")
        q.add("b")
        q.add("a")
        #expect(q.len == 2)
        #expect(await q.get() == "a")
        #expect(await q.get() == "b")
        #expect(q.len == 0)
        q.done("a")
        q.done("b")
        #expect(q.len == 0)
    }

    @Test func aKeyAddedWhileProcessingWaitsForDone() async throws {
        let q = WorkQueue<String>()
        q.add("a")
        #expect(await q.get() == "a")
        q.add("a")
        q.add("a")
        // Not handed out again while a worker has it.
        #expect(q.len == 0)
        let second = Task { await q.get() }
        try await Task.sleep(for: .milliseconds(100))
        q.done("a")
        #expect(await second.value == "a")
        q.done("a")
        #expect(q.len == 0)
    }

    @Test func aKeyIsNeverProcessedByTwoWorkersAtOnce() async throws {
        let q = WorkQueue<Int>()
        let stats = WorkerStats()
        let workers = (0..<4).map { _ in
            Task {
                while let k = await q.get() {
                    stats.begin(k)
                    try? await Task.sleep(for: .milliseconds(2))
                    stats.end(k)
                    q.done(k)
                }
            }
        }
        for round in 0..<50 {
            for k in 0..<3 { q.add(k) }
            if round % 10 == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        // A last add of each key after the storm must still be processed.
        try await Task.sleep(for: .milliseconds(50))
        let before = stats.processedCounts
        for k in 0..<3 { q.add(k) }
        #expect(await eventually { let p = stats.processedCounts; return (0..<3).allSatisfy { p[$0, default: 0] > before[$0, default: 0] } })
        q.shutDown()
        for w in workers { await w.value }
        #expect(stats.overlapCount == 0)
        // Far fewer runs than adds: queued duplicates collapsed.
        #expect(stats.processedCounts.values.reduce(0, +) < 150)
    }

    @Test func shutDownDrainsQueuedKeysThenEndsGetAndIgnoresAdds() async throws {
        let q = WorkQueue<String>()
        let waiting = Task { await q.get() }
        try await Task.sleep(for: .milliseconds(50))
        q.add("x")
        #expect(await waiting.value == "x")
        q.add("y")
        q.shutDown()
        #expect(q.isShuttingDown)
        q.add("z")
        q.addAfter("w", .milliseconds(1))
        #expect(await q.get() == "y")
        #expect(await q.get() == nil)
        let idle = Task { await q.get() }
        #expect(await idle.value == nil)
        #expect(q.len == 0)
    }

    @Test func aWaitingGetEndsWhenShutDown() async throws {
        let q = WorkQueue<String>()
        let waiters = (0..<3).map { _ in Task { await q.get() } }
        try await Task.sleep(for: .milliseconds(50))
        q.shutDown()
        for w in waiters { #expect(await w.value == nil) }
    }

    @Test func aCancelledGetReturnsNilAndLosesNoKey() async throws {
        let q = WorkQueue<String>()
        let waiting = Task { await q.get() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == nil)
        q.add("k")
        #expect(await q.get() == "k")
    }

    @Test func addAfterDelaysAndKeepsTheEarliestDeadline() async throws {
        let q = WorkQueue<String>()
        let start = ContinuousClock.now
        // Deadlines far apart, so that a loaded machine cannot blur which one fired.
        q.addAfter("a", .milliseconds(1500))
        q.addAfter("a", .milliseconds(100))
        q.addAfter("a", .milliseconds(1000))
        #expect(q.len == 0)
        #expect(await q.get() == "a")
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(100))
        #expect(waited < .milliseconds(900))
        q.done("a")
        try await Task.sleep(until: start + .milliseconds(1700), clock: .continuous)
        // The later deadlines were dropped: it was added once.
        #expect(q.len == 0)
        q.addAfter("b", .zero)
        #expect(q.len == 1)
    }

    @Test func exponentialBackoffDoublesPerItemUpToTheMaximumAndForgetResets() {
        let limiter = ItemExponentialFailureRateLimiter<String>(base: .milliseconds(5), maximum: .seconds(1000))
        let waits = (0..<5).map { _ in limiter.when("a") }
        #expect(waits == [.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(80)])
        #expect(limiter.numRequeues("a") == 5)
        #expect(limiter.when("b") == .milliseconds(5))
        for _ in 0..<30 { _ = limiter.when("a") }
        #expect(limiter.when("a") == .seconds(1000))
        for _ in 0..<2000 { _ = limiter.when("c") }
        #expect(limiter.when("c") == .seconds(1000))
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
        #expect(limiter.when("a") == .milliseconds(5))
    }

    @Test func tokenBucketAllowsABurstThenPaces() {
        let bucket = BucketRateLimiter<String>(qps: 10, burst: 2)
        #expect(bucket.when("a") == .zero)
        #expect(bucket.when("b") == .zero)
        let third = bucket.when("c")
        #expect(third > .milliseconds(90) && third <= .milliseconds(100))
        let fourth = bucket.when("d")
        #expect(fourth > .milliseconds(190) && fourth <= .milliseconds(200))
    }

    @Test func theDefaultControllerLimiterTakesTheLongerWait() {
        let limiter = MaxOfRateLimiter<String>.defaultController()
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.numRequeues("a") == 2)
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
        // After the burst of 100, the 10/s bucket dominates a fresh item's 5ms.
        for i in 0..<100 { _ = limiter.when("x\(i)") }
        #expect(limiter.when("fresh") > .milliseconds(50))
    }

    @Test func rateLimitedAddsBackOffLongerEachRetryUntilForgotten() async {
        let q = WorkQueue<String>(rateLimiter: ItemExponentialFailureRateLimiter(base: .milliseconds(40), maximum: .seconds(10)))
        var waits: [Duration] = []
        for _ in 0..<3 {
            let start = ContinuousClock.now
            q.addRateLimited("k")
            #expect(await q.get() == "k")
            waits.append(ContinuousClock.now - start)
            q.done("k")
        }
        #expect(q.numRequeues("k") == 3)
        #expect(waits[0] >= .milliseconds(40))
        #expect(waits[1] >= .milliseconds(80))
        #expect(waits[2] >= .milliseconds(160))
        q.forget("k")
        #expect(q.numRequeues("k") == 0)
        let start = ContinuousClock.now
        q.addRateLimited("k")
        #expect(await q.get() == "k")
        // Forgotten: back to the first delay, well short of the 320 ms the next retry would have waited.
        #expect(ContinuousClock.now - start < .milliseconds(300))
    }
}
