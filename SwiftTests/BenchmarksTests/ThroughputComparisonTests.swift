import Benchmarks
import Testing

@Suite("Throughput comparison")
struct ThroughputComparisonTests {
    @Test func lossIsTheMedianDropInPercentOfTheReference() {
        let c = ThroughputComparison(with: [900, 850, 880], without: [1000, 990, 1010])
        #expect(c.medianWith == 880)
        #expect(c.medianWithout == 1000)
        #expect(abs(c.lossPercent - 12) < 1e-9)
        #expect(!c.lossIsBelow(10))
        #expect(c.lossIsBelow(12.5))
    }

    @Test func oneSlowRoundDoesNotDecide() {
        // The second round of `with` was disturbed; the median ignores it.
        let c = ThroughputComparison(with: [960, 400, 970], without: [1000, 1000, 1000])
        #expect(abs(c.lossPercent - 4) < 1e-9)
        #expect(c.lossIsBelow(10))
    }

    @Test func fasterWithGivesANegativeLoss() {
        let c = ThroughputComparison(with: [1100], without: [1000])
        #expect(abs(c.lossPercent + 10) < 1e-9)
        #expect(c.lossIsBelow(10))
    }

    @Test func evenCountTakesTheMeanOfTheMiddleTwo() {
        #expect(ThroughputComparison.median([4, 1, 3, 2]) == 2.5)
    }

    @Test func noRoundsIsNeverWithinBudget() {
        let c = ThroughputComparison(with: [], without: [1000])
        #expect(c.lossPercent.isNaN)
        #expect(!c.lossIsBelow(10))
        #expect(!ThroughputComparison(with: [10], without: [0]).lossIsBelow(10))
    }
}
