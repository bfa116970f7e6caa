import ArgumentParser
import Scheduler

/// `skiff bench scheduler`: scheduling decisions per second over simulated nodes (framework, snapshot and
/// assume; no API round trips), the scheduler's own share of pod start-up.
struct SchedulerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Benchmark the scheduling core.")
    @Option(help: "Simulated nodes.") var nodes = 1000
    @Option(help: "Pods to place.") var pods = 10000

    func run() async throws {
        print(benchmarkSchedule(nodes: nodes, pods: pods))
    }
}
