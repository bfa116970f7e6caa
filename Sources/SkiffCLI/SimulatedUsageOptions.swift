import APIMachinery
import ArgumentParser
import Cluster
import Kubelet

/// What a simulated pod's containers report as used (`kubectl top`, the HPA), for `skiff kubelet` and
/// `skiff node-simulator` alike.
struct SimulatedUsageOptions: ParsableArguments {
    @Option(help: "CPU each container of a simulated pod reports as used (a quantity; a pod's simulation.skiff.io/cpu annotation overrides it).") var simulatedContainerCpu = "1m"
    @Option(help: "Memory each container of a simulated pod reports as used (a pod's simulation.skiff.io/memory annotation overrides it).") var simulatedContainerMemory = "4Mi"

    /// The usage, or a `ValidationError` naming both options.
    func usage() throws -> SimulatedUsage {
        guard let cpu = try? Quantity(parsing: simulatedContainerCpu), let memory = try? Quantity(parsing: simulatedContainerMemory),
              !cpu.isNegative, !memory.isNegative else {
            throw ValidationError("--simulated-container-cpu and --simulated-container-memory must be quantities, such as 100m and 64Mi")
        }
        return SimulatedUsage(nanoCores: UInt64(clamping: cpu.nanos), memoryBytes: UInt64(clamping: memory.value))
    }
}

/// Runs a command's work, turning the cluster tool's errors into ArgumentParser's (message and exit code 64).
func reportingClusterErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as ClusterError {
        throw ValidationError(e.description)
    }
}
