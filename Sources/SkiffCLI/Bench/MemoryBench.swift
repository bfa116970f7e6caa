import ArgumentParser
import Cluster
import Foundation

/// `skiff bench memory`: the resident memory of a running cluster's processes — each component's RSS and
/// PSS, split into the executable's code, the rest of the executable, anonymous memory and shared
/// libraries — and the sums over the control plane (API server, scheduler, controller manager) and over
/// the nodes (real nodes' kubelets and the node simulator). Run it on an idle cluster (`skiff create cluster`, then wait) to get the idle figures.
struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory", abstract: "Resident memory of a running cluster's processes.")

    @Option(help: "Cluster name.") var name = "skiff"

    static let controlPlane: Set<String> = ["apiserver", "scheduler", "controller-manager"]

    func run() throws {
        let paths = ClusterPaths(name: name)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: paths.run.path)) ?? [])
            .filter { $0.hasSuffix(".pid") && !$0.hasPrefix("containerd-") }.sorted()
        guard !files.isEmpty else { throw ValidationError("cluster \(name) has no running processes (\(paths.run.path))") }
        let parts = ProcessMemory.Part.allCases
        print("process".padding(toLength: 34, withPad: " ", startingAt: 0) + "   RSS MiB   PSS MiB  " + parts.map { $0.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        var sums: [String: (rss: Double, pss: Double)] = [:]
        for file in files {
            let component = String(file.dropLast(4))
            guard let pid = ProcessControl.readPID(paths.run.appendingPathComponent(file)),
                  let memory = ProcessMemory(pid: pid) else { continue }
            let row = component.padding(toLength: 34, withPad: " ", startingAt: 0)
                + String(format: "%10.1f%10.1f  ", memory.rssMiB, memory.pssMiB)
                + parts.map { String(format: "%-9.1f", memory.rssMiB($0)) }.joined()
            print(row)
            let group = Self.controlPlane.contains(component) ? "control plane"
                : component.hasPrefix("kubelet") || component == ClusterComponents.nodeSimulatorComponent ? "nodes" : "other"
            sums[group, default: (0, 0)].rss += memory.rssMiB
            sums[group, default: (0, 0)].pss += memory.pssMiB
        }
        for group in ["control plane", "nodes", "other"] {
            guard let s = sums[group] else { continue }
            print(String(format: "%@ summed: RSS %.1f MiB, PSS %.1f MiB", group, s.rss, s.pss))
        }
    }
}
