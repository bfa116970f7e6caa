import Foundation
import Testing
import TestSupport

@testable import Cluster

@Suite struct ClusterRunStateTests {
    @Test func aClusterIsRunningWithItsSupervisorStoppedWithNothingAndDegradedWithLeftovers() {
        #expect(ClusterRunState(supervisorRunning: true, runningComponents: 7).description == "Running")
        #expect(ClusterRunState(supervisorRunning: true, runningComponents: 0).description == "Running")
        #expect(ClusterRunState(supervisorRunning: false, runningComponents: 0).description == "Stopped")
        #expect(ClusterRunState(supervisorRunning: false, runningComponents: 2).description == "Degraded")
        #expect(ClusterRunState(supervisorRunning: false, runningComponents: 0).isStopped)
        #expect(!ClusterRunState(supervisorRunning: false, runningComponents: 1).isStopped)
        #expect(!ClusterRunState(supervisorRunning: true, runningComponents: 0).isStopped)
    }

    /// A component counts as running only while its recorded process lives and names the cluster's
    /// directory: a dead PID, or a PID recycled by a process of something else, does not.
    @Test func runningComponentsAreLiveProcessesNamingTheClustersDirectory() async throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "c", clustersDir: dir.url)
        try FileManager.default.createDirectory(at: paths.run, withIntermediateDirectories: true)
        // A process whose command line names the cluster's directory (`sleep`, run as `<root>/x 300`).
        // Children of the test runner's threads start with SIGTERM blocked, so it ends by SIGKILL.
        let ours = Process()
        ours.executableURL = URL(fileURLWithPath: "/bin/bash")
        ours.arguments = ["-c", "exec -a \"$0\" sleep 300", paths.root.path + "/x"]
        try ours.run()
        defer { kill(ours.processIdentifier, SIGKILL); ours.waitUntilExit() }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try ProcessControl.writePID(ours.processIdentifier, to: paths.pidFile("apiserver"))
        try ProcessControl.writePID(gone.processIdentifier, to: paths.pidFile("scheduler"))
        try ProcessControl.writePID(getpid(), to: paths.pidFile("kubelet-n"))   // alive, but not the cluster's
        try ProcessControl.writePID(getpid(), to: paths.supervisorPID)
        FileManager.default.createFile(atPath: paths.run.appendingPathComponent("containerd-n.ready").path, contents: nil)
        #expect(await eventually { ProcessScan.arguments(ours.processIdentifier)?.contains(paths.root.path + "/x") == true })
        #expect(ClusterManager.runningComponents(paths) == ["apiserver"])
        #expect(ClusterManager.state(paths) == ClusterRunState(supervisorRunning: false, runningComponents: 1))

        ClusterManager.forgetProcesses(paths)
        #expect(try FileManager.default.contentsOfDirectory(atPath: paths.run.path).isEmpty)
        #expect(ClusterManager.state(paths).isStopped)
    }
}
