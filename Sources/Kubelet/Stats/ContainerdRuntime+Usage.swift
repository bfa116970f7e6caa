import APIMachinery
import CRI
import Foundation

/// Measured figures on a real node: CRI's `ListContainerStats` for containers (containerd reads each
/// container's cgroup and computes the working set as upstream does), the node's cgroup subtree for
/// the node — in a Skiff cluster several nodes share one machine, so the machine's root cgroup would
/// give every node the same figure; the node's own subtree (`--cgroup-root`) holds what it runs.
extension ContainerdRuntime: ResourceUsageSource {
    public func containerUsage(pods: [JSON]) async throws -> [String: ContainerUsageSample] {
        var request = Runtime_V1_ListContainerStatsRequest()
        request.filter.labelSelector = [CRILabels.managedBy: CRILabels.managedByValue]
        let response = try await cri.listContainerStats(request)
        var out: [String: ContainerUsageSample] = [:]
        for s in response.stats {
            let id = s.attributes.id
            guard !id.isEmpty, s.hasCpu, s.cpu.hasUsageCoreNanoSeconds else { continue }
            let stamp = s.cpu.timestamp > 0 ? Date(timeIntervalSince1970: Double(s.cpu.timestamp) / 1e9) : Date()
            let workingSet = s.hasMemory && s.memory.hasWorkingSetBytes ? s.memory.workingSetBytes.value : 0
            let usage = s.hasMemory && s.memory.hasUsageBytes ? s.memory.usageBytes.value : workingSet
            out[id] = ContainerUsageSample(containerID: id, timestamp: stamp, cpuUsageCoreNanoseconds: s.cpu.usageCoreNanoSeconds.value,
                                           memoryWorkingSetBytes: workingSet, memoryUsageBytes: usage)
        }
        return out
    }

    public func nodeUsage() async -> CgroupSample? {
        CgroupReader().sample(cgroupRoot)
    }
}
