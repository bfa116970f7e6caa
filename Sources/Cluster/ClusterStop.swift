import Foundation

/// `skiff stop cluster`: the cluster's processes go and the host is left as a reboot leaves it, while
/// everything that lives on disk stays, so `skiff start cluster` brings the same cluster back.
extension ClusterManager {
    /// Stops a cluster as k3d's and minikube's `stop` do. The supervisor stops every component gracefully
    /// (SIGTERM, SIGKILL after a grace period): the control plane and kubelets, then every pod sandbox
    /// through CRI while containerd still serves (which ends their containers, shims and pod networks),
    /// then containerd. Components a dead supervisor left are stopped by their recorded PIDs in the same
    /// order. Then the same sweep as `delete` removes what a reboot would lose — leftover shims and pod
    /// processes, mounts, cgroups, pod and node network namespaces, `/run/skiff/C` — but the cluster's
    /// directory (spec, PKI, store, images, node directories, logs) is kept.
    ///
    /// A cluster with nothing running is refused: there is nothing to stop, and saying so tells a script
    /// that its idea of the cluster was wrong.
    public func stop(name: String) async throws {
        let paths = ClusterPaths(name: name)
        guard let spec = try? ClusterSpec.load(from: paths.spec) else { throw ClusterError("unknown cluster \"\(name)\"") }
        let supervisor = Self.supervisorPID(paths)
        if supervisor == nil, Self.runningComponents(paths).isEmpty {
            throw ClusterError("cluster \"\(name)\" is not running (already stopped): start it with `skiff start cluster --name \(name)`")
        }
        var teardown = NodeTeardown(spec: spec, paths: paths)
        teardown.log = log
        if let supervisor {
            await ProcessControl.stop(supervisor, grace: .seconds(60))
        }
        await stopLeftovers(paths: paths) { await teardown.removeSandboxes(with: sandboxCleaner) }
        let problems = await teardown.sweep()
        Self.forgetProcesses(paths)
        if !problems.isEmpty {
            throw ClusterError("cluster \"\(name)\" is stopped, but: \(problems.joined(separator: "; "))")
        }
    }

    /// Components of the cluster whose recorded process still runs (a PID file naming a live process
    /// whose command line names the cluster's directory, so a recycled PID does not count).
    public static func runningComponents(_ paths: ClusterPaths) -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: paths.run.path)) ?? [])
            .filter { $0.hasSuffix(".pid") && $0 != paths.supervisorPID.lastPathComponent }
        return files.sorted().compactMap { file in
            guard let pid = ProcessControl.readPID(paths.run.appendingPathComponent(file)), ProcessControl.isAlive(pid),
                  ProcessScan.arguments(pid)?.contains(where: { $0.contains(paths.root.path + "/") }) == true else { return nil }
            return String(file.dropLast(".pid".count))
        }
    }

    /// Whether the cluster runs (its supervisor, or components a dead supervisor left), for `get clusters`.
    public static func state(_ paths: ClusterPaths) -> ClusterRunState {
        ClusterRunState(supervisorRunning: supervisorPID(paths) != nil, runningComponents: runningComponents(paths).count)
    }

    /// The PID files and readiness markers of processes that are gone: nothing should read them as news
    /// from the next run.
    static func forgetProcesses(_ paths: ClusterPaths) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: paths.run.path)) ?? []
        for f in files where f.hasSuffix(".pid") || f.hasSuffix(".ready") || f.hasSuffix(".failed") {
            try? FileManager.default.removeItem(at: paths.run.appendingPathComponent(f))
        }
    }
}
