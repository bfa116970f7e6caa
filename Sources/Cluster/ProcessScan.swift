import Foundation

/// Finds processes by what they are: the command line (`/proc/PID/cmdline`, NUL-separated) and the
/// network namespace they are in. The cluster tool uses it only to find processes that are the cluster's
/// own — shims serving this node's containerd, anything whose command line names the cluster's paths.
public enum ProcessScan {
    public static func pids() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    public static func arguments(_ pid: Int32) -> [String]? {
        guard let d = ProcFile.data("/proc/\(pid)/cmdline"), !d.isEmpty else { return nil }
        return d.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
    }

    /// PIDs whose arguments satisfy `match`, never this process nor its ancestors (the shell or test that
    /// runs `skiff delete cluster` may well name the cluster's paths).
    public static func matching(_ match: ([String]) -> Bool) -> [Int32] {
        let spared = ancestry()
        return pids().filter { pid in !spared.contains(pid) && (arguments(pid).map(match) ?? false) }
    }

    /// The parent of a process, from `/proc/PID/stat` (the field after the parenthesised name).
    public static func parent(of pid: Int32) -> Int32? {
        guard let stat = ProcFile.string("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// This process and every ancestor up to init.
    public static func ancestry() -> Set<Int32> {
        var out: Set<Int32> = [getpid()]
        var pid = getpid()
        while let p = parent(of: pid), p > 0, !out.contains(p) {
            out.insert(p)
            pid = p
        }
        return out
    }

    /// `containerd-shim-runc-v2 … -address SOCKET …` for this socket.
    public static func isShim(_ args: [String], of socket: String) -> Bool {
        guard let first = args.first, first.hasSuffix("containerd-shim") || first.contains("containerd-shim-") else { return false }
        guard let i = args.firstIndex(of: "-address"), i + 1 < args.count else { return false }
        return args[i + 1] == socket
    }

    /// The paths of the Unix sockets a process holds open (its fds' `socket:[inode]` matched against
    /// `/proc/PID/net/unix`): how a killed shim's listening socket under /run/containerd/s is found.
    public static func unixSocketPaths(of pid: Int32) -> [String] {
        let fdDir = "/proc/\(pid)/fd"
        let inodes = Set(((try? FileManager.default.contentsOfDirectory(atPath: fdDir)) ?? []).compactMap { fd -> String? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDir + "/" + fd),
                  target.hasPrefix("socket:[") else { return nil }
            return String(target.dropFirst("socket:[".count).dropLast())
        })
        // /proc/PID/net is the table of the process's own network namespace (a shim lives in its node's).
        guard !inodes.isEmpty, let table = ProcFile.string("/proc/\(pid)/net/unix") else { return [] }
        // Num RefCount Protocol Flags Type St Inode Path
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 8, inodes.contains(String(f[6])) else { return nil }
            return String(f[7])
        }
    }

    /// The inode of a network namespace (what `/proc/PID/ns/net` and a `/run/netns/*` bind mount share).
    public static func netnsInode(path: String) -> UInt64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }

    /// SIGKILLs every PID and waits (bounded) until they are gone.
    public static func kill(_ pids: [Int32], timeout: Duration = .seconds(5)) async {
        for pid in pids { _ = Foundation.kill(pid, SIGKILL) }
        let deadline = ContinuousClock.now + timeout
        while pids.contains(where: ProcessControl.isAlive), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
