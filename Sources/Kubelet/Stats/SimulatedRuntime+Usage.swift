import APIMachinery
import Foundation

/// The simulated runtime's figures: configured, not measured (see `SimulatedUsage`).
extension SimulatedRuntime: ResourceUsageSource {
    public func containerUsage(pods: [JSON]) async throws -> [String: ContainerUsageSample] {
        usage.samples(pods: pods, now: Date())
    }

    /// A simulated node is the sum of its simulated pods.
    public func nodeUsage() async -> CgroupSample? { nil }
}
