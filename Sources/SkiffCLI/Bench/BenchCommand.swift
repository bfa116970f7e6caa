import ArgumentParser

/// `skiff bench ...`: rerunnable benchmarks (results go to docs/benchmarks.md).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run benchmarks.", subcommands: [APIBench.self, SchedulerBench.self, PodStartupBench.self, DNSBench.self, ProxyBench.self, NetworkPolicyBench.self, IngressBench.self, MemoryBench.self, SimulatedClusterBench.self, DensityBench.self, WorkloadsBench.self, StorageBench.self, OverloadBench.self, FuzzBench.self])
}
