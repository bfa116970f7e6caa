import Foundation

/// Errors the cluster tool reports to its user.
public struct ClusterError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Creates, lists and deletes clusters on this machine.
public struct ClusterManager: Sendable {
    public let executable: URL
    /// Removes pod sandboxes through CRI before containerd stops, when the supervisor could not.
    public var sandboxCleaner: (any SandboxCleaner)?
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(executable: URL, sandboxCleaner: (any SandboxCleaner)? = nil) {
        self.executable = executable
        self.sandboxCleaner = sandboxCleaner
    }

    /// Validates a cluster name as kind does (it becomes part of node and context names).
    public static func validate(name: String) throws {
        let ok = !name.isEmpty && name.count <= 50 && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }
            && name.first!.isLetter && name.last != "-"
        if !ok {
            throw ClusterError("invalid cluster name \"\(name)\": use lower-case letters, digits and '-', starting with a letter")
        }
    }

    /// Picks a free TCP port on 127.0.0.1 by binding port 0.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ClusterError("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Deletes a cluster: its supervisor stops every component (sandboxes removed before containerd
    /// stops); components a dead supervisor left are stopped by their recorded PIDs in the same order;
    /// then the sweep removes what real nodes leave on the host, and the cluster's directory goes.
    public func delete(name: String) async throws {
        let paths = ClusterPaths(name: name)
        let fm = FileManager.default
        guard fm.fileExists(atPath: paths.root.path) || fm.fileExists(atPath: paths.runtimeRun.path) else { return }
        let spec = try? ClusterSpec.load(from: paths.spec)
        var teardown = spec.map { NodeTeardown(spec: $0, paths: paths) } ?? NodeTeardown(paths: paths, nodes: [])
        teardown.log = log

        if let pid = Self.supervisorPID(paths) {
            await ProcessControl.stop(pid, grace: .seconds(60))
        }
        // Components whose supervisor died without stopping them: the control plane and kubelets first,
        // then the sandboxes while containerd still serves, then containerd.
        await stopLeftovers(paths: paths) { await teardown.removeSandboxes(with: sandboxCleaner) }

        let problems = await teardown.sweep()
        if fm.fileExists(atPath: paths.root.path) {
            do { try fm.removeItem(at: paths.root) } catch {
                throw ClusterError("cannot remove \(paths.root.path): \(error)\(problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))")")
            }
        }
    }

    /// The PID of the cluster's running supervisor; nil when none runs (a reboot, a kill -9).
    public static func supervisorPID(_ paths: ClusterPaths) -> Int32? {
        guard let pid = ProcessControl.readPID(paths.supervisorPID), ProcessControl.isAlive(pid),
              ProcessScan.arguments(pid).map({ $0.contains("supervise") && $0.contains(paths.name) }) ?? false
        else { return nil }
        return pid
    }

    /// Stops the components a dead supervisor left running, by their recorded PIDs: the control plane and
    /// kubelets first, then `beforeContainerd` (while containerd still serves), then each containerd.
    func stopLeftovers(paths: ClusterPaths, beforeContainerd: () async -> Void = {}) async {
        let pidFiles = ((try? FileManager.default.contentsOfDirectory(atPath: paths.run.path)) ?? []).filter { $0.hasSuffix(".pid") && $0 != "supervisor.pid" }
        let (infra, rest) = (pidFiles.filter { $0.hasPrefix("containerd-") }, pidFiles.filter { !$0.hasPrefix("containerd-") })
        await stop(pidFiles: rest, in: paths)
        if !infra.isEmpty { await beforeContainerd() }
        await stop(pidFiles: infra, in: paths)
    }

    private func stop(pidFiles: [String], in paths: ClusterPaths) async {
        await withTaskGroup(of: Void.self) { group in
            for file in pidFiles {
                // A recycled PID is not ours: only a process naming the cluster's directory is stopped.
                guard let pid = ProcessControl.readPID(paths.run.appendingPathComponent(file)),
                      ProcessScan.arguments(pid)?.contains(where: { $0.contains(paths.root.path + "/") }) == true else { continue }
                group.addTask { await ProcessControl.stop(pid) }
            }
        }
    }
}
