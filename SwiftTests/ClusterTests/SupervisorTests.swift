import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Cluster

@Suite struct SupervisorTests {
    /// What `beforeStoppingInfrastructure` saw when it ran.
    struct Seen: Equatable {
        var cancelled: Bool
        var appAlive: Bool
        var infrastructureAlive: Bool
    }

    /// The way down is ordered — the rest, then the sandboxes' removal while containerd still serves, then
    /// containerd — and the removal runs outside the cancelled task that asked for it, or its CRI calls
    /// would be cancelled before they are made (which left every pod running for the sweep to kill).
    @Test func stoppingRemovesSandboxesUncancelledBetweenTheRestAndTheInfrastructure() async throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "c", clustersDir: dir.url)
        for d in [paths.run, paths.logs] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        let socket = dir.url.appendingPathComponent("infra.sock").path
        let listener = try UnixListener(path: socket)
        defer { listener.close() }
        let pids = Mutex<(app: Int32, infrastructure: Int32)>((0, 0))
        let seen = Mutex<Seen?>(nil)
        let supervisor = Supervisor(
            paths: paths, executable: URL(fileURLWithPath: "/bin/sleep"),
            components: [
                ComponentSpec(name: "infra", arguments: ["300"], executable: "/bin/sleep", readySocket: socket),
                ComponentSpec(name: "app", arguments: ["300"], executable: "/bin/sleep"),
            ],
            beforeStoppingInfrastructure: {
                let p = pids.withLock { $0 }
                seen.withLock {
                    $0 = Seen(cancelled: Task.isCancelled, appAlive: ProcessControl.isAlive(p.app),
                              infrastructureAlive: ProcessControl.isAlive(p.infrastructure))
                }
            })
        let running = Task { await supervisor.run() }
        // Patient, as the parallel suite on two cores can hold the cooperative pool for tens of seconds.
        let started = await eventually(timeout: .seconds(120)) {
            guard let app = ProcessControl.readPID(paths.pidFile("app")), let infra = ProcessControl.readPID(paths.pidFile("infra")) else { return false }
            pids.withLock { $0 = (app, infra) }
            return ProcessControl.isAlive(app) && ProcessControl.isAlive(infra)
        }
        #expect(started)
        running.cancel()
        await running.value
        #expect(seen.withLock { $0 } == Seen(cancelled: false, appAlive: false, infrastructureAlive: true))
        let p = pids.withLock { $0 }
        #expect(!ProcessControl.isAlive(p.app) && !ProcessControl.isAlive(p.infrastructure))
        #expect(!FileManager.default.fileExists(atPath: paths.pidFile("app").path))
        #expect(FileManager.default.fileExists(atPath: supervisor.readyMarker("infra").path))
    }
}

/// A Unix socket that accepts connections (into its backlog): infrastructure that "serves".
final class UnixListener: Sendable {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 16) == 0 else { throw ClusterError("cannot listen on \(path)") }
    }

    func close() { _ = Glibc.close(fd) }
}
