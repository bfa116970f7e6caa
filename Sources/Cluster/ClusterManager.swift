import Foundation

/// Errors the cluster tool reports to its user.
public struct ClusterError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Creates, lists and deletes clusters on this machine.
public struct ClusterManager: Sendable {
    public let executable: URL

    public init(executable: URL) {
        self.executable = executable
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

    /// Stops the cluster's supervisor (which stops every component) and removes its files.
    public func delete(name: String) async throws {
        let paths = ClusterPaths(name: name)
        guard FileManager.default.fileExists(atPath: paths.root.path) else { return }
        if let pid = ProcessControl.readPID(paths.supervisorPID) {
            await ProcessControl.stop(pid, grace: .seconds(15))
        }
        // Components whose supervisor died without stopping them.
        for file in (try? FileManager.default.contentsOfDirectory(atPath: paths.run.path)) ?? [] where file.hasSuffix(".pid") {
            if let pid = ProcessControl.readPID(paths.run.appendingPathComponent(file)) {
                await ProcessControl.stop(pid)
            }
        }
        try FileManager.default.removeItem(at: paths.root)
    }
}
