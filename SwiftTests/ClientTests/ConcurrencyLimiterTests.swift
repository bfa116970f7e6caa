@testable import Client
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(1))) struct ConcurrencyLimiterTests {
    /// Counts how many bodies run at once and the most that ever did.
    final class Gauge: Sendable {
        let now = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        func enter() {
            let n = now.add(1, ordering: .relaxed).newValue
            var seen = most.load(ordering: .relaxed)
            while n > seen {
                let (exchanged, original) = most.compareExchange(expected: seen, desired: n, ordering: .relaxed)
                if exchanged { break }
                seen = original
            }
        }
        func leave() {
            now.subtract(1, ordering: .relaxed)
            done.add(1, ordering: .relaxed)
        }
    }

    @Test func neverRunsMoreThanTheLimitAndRunsEveryBody() async {
        let limiter = ConcurrencyLimiter(limit: 4)
        let gauge = Gauge()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await limiter.run {
                        gauge.enter()
                        // Stays: the body's work, held long enough for the others to pile up on the limit;
                        // nothing is waited for.
                        try? await Task.sleep(for: .milliseconds(1))
                        gauge.leave()
                    }
                }
            }
        }
        #expect(gauge.done.load(ordering: .relaxed) == 200)
        #expect(gauge.most.load(ordering: .relaxed) == 4)
    }

    @Test func aThrowingBodyGivesItsPermitBack() async throws {
        struct Boom: Error {}
        let limiter = ConcurrencyLimiter(limit: 1)
        await #expect(throws: Boom.self) { try await limiter.run { () throws -> Int in throw Boom() } }
        // With the permit leaked this would wait forever; the test's time limit would fail it.
        let value = await limiter.run { 7 }
        #expect(value == 7)
    }

    @Test func waitersGoInTheOrderTheyCame() async {
        let limiter = ConcurrencyLimiter(limit: 1)
        let order = Order()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let (holding, held) = AsyncStream<Void>.makeStream()
        let first = Task {
            await limiter.run {
                held.yield()
                for await _ in gate { break }
            }
        }
        for await _ in holding { break }  // the first body holds the only permit
        var waiters: [Task<Void, Never>] = []
        for i in 0..<5 {
            waiters.append(Task { await limiter.run { order.append(i) } })
            // Each is waiting before the next comes.
            while limiter.waiting < i + 1 { await Task.yield() }
        }
        open.yield()
        await first.value
        for w in waiters { await w.value }
        #expect(order.values == [0, 1, 2, 3, 4])
    }

    final class Order: Sendable {
        private let list = Mutex<[Int]>([])
        func append(_ i: Int) { list.withLock { $0.append(i) } }
        var values: [Int] { list.withLock { $0 } }
    }
}
