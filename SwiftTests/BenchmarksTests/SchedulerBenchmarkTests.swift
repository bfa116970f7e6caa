import Testing
import Benchmarks

@Suite("Benchmark helper")
struct BenchmarkTests {
    /// Untimed: checks the helper schedules every pod and reports a rate, not how fast it is.
    @Test func schedulesEveryPodAndReportsARate() {
        let r = benchmarkSchedule(nodes: 120, pods: 400)
        #expect(r.nodes == 120 && r.pods == 400)
        #expect(r.scheduled == 400 && r.unschedulable == 0)
        #expect(r.podsPerSecond > 0 && r.seconds > 0)
        #expect(r.description.contains("400 scheduled"))
    }

    @Test func reportsUnschedulablePodsWhenTheClusterIsFull() {
        // 2 nodes × 4 cpu / 100m = 80 pods fit.
        let r = benchmarkSchedule(nodes: 2, pods: 90)
        #expect(r.scheduled == 80 && r.unschedulable == 10)
    }
}
