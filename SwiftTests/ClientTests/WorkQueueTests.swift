@testable import Client
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
        #expect(await eventually { q.waitingGets == 1 })
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
                    // Stays: the work a worker does while it holds a key, long enough for the adds of the
                    // other workers' rounds to land on keys in processing. Nothing is waited for.
                    try? await Task.sleep(for: .milliseconds(2))
                    stats.end(k)
                    q.done(k)
                }
            }
        }
        for round in 0..<50 {
            for k in 0..<3 { q.add(k) }
            // Let the workers take what is queued, so the next adds find keys in processing.
            if round % 10 == 0 { #expect(await eventually { q.len == 0 }) }
        }
        // A last add of each key after the storm (every worker back waiting) must still be processed.
        #expect(await eventually { q.len == 0 && q.waitingGets == 4 })
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
        #expect(await eventually { q.waitingGets == 1 })
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
        #expect(await eventually { q.waitingGets == 3 })
        q.shutDown()
        for w in waiters { #expect(await w.value == nil) }
    }

    @Test func aCancelledGetReturnsNilAndLosesNoKey() async throws {
        let q = WorkQueue<String>()
        let waiting = Task { await q.get() }
        #expect(await eventually { q.waitingGets == 1 })
        waiting.cancel()
        #expect(await waiting.value == nil)
        q.add("k")
        #expect(await q.get() == "k")
    }

    @Test func addAfterDelaysAndKeepsTheEarliestDeadline() async throws {
        let clock = ManualClock()
        let q = WorkQueue<String>(clock: clock)
        q.addAfter("a", .milliseconds(1500))
        q.addAfter("a", .milliseconds(100))
        q.addAfter("a", .milliseconds(1000))
        // One timer, at the earliest deadline: the later ones were dropped.
        await clock.waitForSleepers { $0 == [.milliseconds(100)] }
        clock.advance(by: .milliseconds(99))
        #expect(q.len == 0)
        #expect(clock.pendingSleeps == [.milliseconds(1)])
        clock.advance(by: .milliseconds(1))
        #expect(await q.get() == "a")
        q.done("a")
        #expect(clock.pendingSleeps.isEmpty)
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

    @Test func tokenBucketAllowsABurstThenPacesAndRefillsWithTime() {
        let clock = ManualClock()
        let bucket = BucketRateLimiter<String>(qps: 10, burst: 2, clock: clock)
        #expect(bucket.when("a") == .zero)
        #expect(bucket.when("b") == .zero)
        #expect(bucket.when("c") == .milliseconds(100))
        #expect(bucket.when("d") == .milliseconds(200))
        // 350 ms refill 3.5 tokens: the 2 owed, and 1.5 left.
        clock.advance(by: .milliseconds(350))
        #expect(bucket.when("e") == .zero)
        let f = bucket.when("f")  // half a token short: 50 ms, up to floating point
        #expect(f > .microseconds(49_999) && f < .microseconds(50_001))
        // A long pause refills no more than the burst.
        clock.advance(by: .seconds(60))
        #expect(bucket.when("g") == .zero && bucket.when("h") == .zero)
        #expect(bucket.when("i") == .milliseconds(100))
    }

    @Test func theDefaultControllerLimiterTakesTheLongerWait() {
        let clock = ManualClock()
        let limiter = MaxOfRateLimiter<String>.defaultController(clock: clock)
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.numRequeues("a") == 2)
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
        // After the burst of 100 (two used above), the 10/s bucket dominates a fresh item's 5 ms.
        for i in 0..<98 { _ = limiter.when("x\(i)") }
        #expect(limiter.when("fresh") == .milliseconds(100))
    }

    @Test func rateLimitedAddsBackOffLongerEachRetryUntilForgotten() async {
        let clock = ManualClock()
        let q = WorkQueue<String>(rateLimiter: ItemExponentialFailureRateLimiter(base: .milliseconds(40), maximum: .seconds(10)), clock: clock)
        for wait in [40, 80, 160] {
            q.addRateLimited("k")
            await clock.waitForSleepers { $0 == [.milliseconds(wait)] }
            clock.advance(by: .milliseconds(wait - 1))
            #expect(q.len == 0)
            clock.advance(by: .milliseconds(1))
            #expect(await q.get() == "k")
            q.done("k")
        }
        #expect(q.numRequeues("k") == 3)
        q.forget("k")
        #expect(q.numRequeues("k") == 0)
        // Forgotten: back to the first delay, not the 320 ms the next retry would have waited.
        q.addRateLimited("k")
        await clock.waitForSleepers { $0 == [.milliseconds(40)] }
        clock.advance(by: .milliseconds(40))
        #expect(await q.get() == "k")
    }
}
