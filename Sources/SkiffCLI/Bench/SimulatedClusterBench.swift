import APIMachinery
import ArgumentParser
import Client
import Cluster
import Foundation

/// `skiff bench simulated-cluster --nodes 1000`: kwok's promise measured on Skiff — a cluster of that many
/// simulated nodes made with `skiff create cluster` (timed until every node is Ready and the control-plane
/// pods Running), left idle, measured (the node simulator's memory, which is every node's, and the control
/// plane's), and deleted (timed). Each round makes and deletes its own cluster.
struct SimulatedClusterBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulated-cluster",
                                                    abstract: "Create, measure and delete a cluster of many simulated nodes.")

    @Option(help: "Simulated nodes.") var nodes = 1000
    @Option(help: "Cluster name (it must not exist).") var name = "bench-simulated"
    @Option(help: "Seconds the cluster idles before its memory is read.") var idle = 20
    @Option(help: "Clusters made and deleted, one after the other.") var rounds = 1

    func run() async throws {
        let executable = currentExecutable()
        let kubeconfig = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-\(getpid()).kubeconfig")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; load average at start \(Self.loadAverage())")
        for round in 1...max(rounds, 1) {
            var creator = ClusterCreator(executable: executable)
            creator.progress = { _ in }
            let began = ContinuousClock.now
            try await creator.create(name: name, nodes: nodes, runtime: "simulated", wait: .seconds(300), kubeconfigPath: kubeconfig)
            let ready = ContinuousClock.now - began

            let paths = ClusterPaths(name: name)
            let admin = try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff-bench")
            let client = KubeClient(admin)
            let readyNodes = ((try await client.list(.nodes))["items"]?.array ?? []).filter(Self.isReady).count
            await client.shutdown()
            try await Task.sleep(for: .seconds(idle))
            func memory(_ component: String) -> ProcessMemory? {
                ProcessControl.readPID(paths.pidFile(component)).flatMap { ProcessMemory(pid: $0) }
            }
            let simulator = memory(ClusterComponents.nodeSimulatorComponent)
            let controlPlane = MemoryBench.controlPlane.compactMap(memory)

            let deleting = ContinuousClock.now
            try await ClusterManager(executable: executable).delete(name: name)
            let deleted = ContinuousClock.now - deleting

            print(String(format: "round %d: %d nodes, %d Ready in %.1f s; node simulator RSS %.1f MiB, PSS %.1f MiB; control plane RSS %.1f MiB after %d s idle; deleted in %.1f s (load average %@)",
                         round, nodes, readyNodes, ready.seconds, simulator?.rssMiB ?? 0, simulator?.pssMiB ?? 0,
                         controlPlane.map(\.rssMiB).reduce(0, +), idle, deleted.seconds, Self.loadAverage()))
        }
    }

    static func isReady(_ node: JSON) -> Bool {
        node[path: ["status", "conditions"]]?.array?.contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" } ?? false
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }
}
