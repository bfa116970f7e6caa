import Foundation

/// CPU and memory of one cgroup, read from its files as cAdvisor reads them for the kubelet.
///
/// Both hierarchies are understood because nodes differ: cgroup v2 keeps `cpu.stat` (`usage_usec`) and
/// `memory.current`/`memory.stat` in one directory; cgroup v1 splits them into the `cpuacct`
/// (`cpuacct.usage`, nanoseconds) and `memory` (`memory.usage_in_bytes`, `memory.stat`) controllers.
/// The working set is upstream's: usage minus the inactive file cache (`inactive_file` on v2,
/// `total_inactive_file` on v1), never below zero — the figure the eviction manager and
/// `kubectl top` use, since inactive page cache can be reclaimed.
public struct CgroupSample: Sendable, Equatable {
    /// Cumulative CPU time of every task in the cgroup and its children, in nanoseconds.
    public var cpuUsageNanoseconds: UInt64
    /// Memory in use, page cache included.
    public var memoryUsageBytes: UInt64
    /// `memoryUsageBytes` less the inactive file cache.
    public var memoryWorkingSetBytes: UInt64
    /// Anonymous memory (`anon` on v2, `total_rss` on v1).
    public var memoryRSSBytes: UInt64

    public init(cpuUsageNanoseconds: UInt64, memoryUsageBytes: UInt64, memoryWorkingSetBytes: UInt64, memoryRSSBytes: UInt64) {
        self.cpuUsageNanoseconds = cpuUsageNanoseconds
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryRSSBytes = memoryRSSBytes
    }
}

/// Reads `CgroupSample`s under a cgroup mount (`/sys/fs/cgroup` by default; tests hand in a directory
/// laid out the same way).
public struct CgroupReader: Sendable {
    public enum Version: Sendable, Equatable { case v1, v2 }

    public let mount: String
    public let version: Version

    public init(mount: String = "/sys/fs/cgroup") {
        self.mount = mount
        // v2 has `cgroup.controllers` at its root; a v1 mount is a tmpfs of controller directories.
        version = FileManager.default.fileExists(atPath: mount + "/cgroup.controllers") ? .v2 : .v1
    }

    /// The cgroup at `path` (e.g. `/skiff/c/n/pod<uid>`), or nil when it does not exist (yet, or any more).
    public func sample(_ path: String) -> CgroupSample? {
        switch version {
        case .v2:
            let dir = mount + path
            guard let cpuStat = Self.read(dir + "/cpu.stat"), let current = Self.read(dir + "/memory.current") else { return nil }
            let stat = Self.parseFlatKeyed(Self.read(dir + "/memory.stat") ?? "")
            return Self.v2Sample(cpuStat: cpuStat, memoryCurrent: current, memoryStat: stat)
        case .v1:
            guard let usage = Self.read(mount + "/cpuacct" + path + "/cpuacct.usage"),
                  let memUsage = Self.read(mount + "/memory" + path + "/memory.usage_in_bytes") else { return nil }
            let stat = Self.parseFlatKeyed(Self.read(mount + "/memory" + path + "/memory.stat") ?? "")
            return Self.v1Sample(cpuacctUsage: usage, memoryUsage: memUsage, memoryStat: stat)
        }
    }

    // MARK: Parsing

    /// cgroup v2: `cpu.stat`'s `usage_usec`, `memory.current`, and `memory.stat`'s `inactive_file` and `anon`.
    public static func v2Sample(cpuStat: String, memoryCurrent: String, memoryStat: [String: UInt64]) -> CgroupSample? {
        guard let usec = parseFlatKeyed(cpuStat)["usage_usec"],
              let current = UInt64(memoryCurrent.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return CgroupSample(cpuUsageNanoseconds: usec &* 1000, memoryUsageBytes: current,
                            memoryWorkingSetBytes: workingSet(usage: current, inactiveFile: memoryStat["inactive_file"] ?? 0),
                            memoryRSSBytes: memoryStat["anon"] ?? 0)
    }

    /// cgroup v1: `cpuacct.usage` (ns), `memory.usage_in_bytes`, and `memory.stat`'s hierarchical
    /// `total_inactive_file` and `total_rss`.
    public static func v1Sample(cpuacctUsage: String, memoryUsage: String, memoryStat: [String: UInt64]) -> CgroupSample? {
        guard let ns = UInt64(cpuacctUsage.trimmingCharacters(in: .whitespacesAndNewlines)),
              let usage = UInt64(memoryUsage.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return CgroupSample(cpuUsageNanoseconds: ns, memoryUsageBytes: usage,
                            memoryWorkingSetBytes: workingSet(usage: usage, inactiveFile: memoryStat["total_inactive_file"] ?? 0),
                            memoryRSSBytes: memoryStat["total_rss"] ?? 0)
    }

    /// Upstream's working set: usage less inactive file pages, clamped at zero.
    public static func workingSet(usage: UInt64, inactiveFile: UInt64) -> UInt64 {
        usage > inactiveFile ? usage - inactiveFile : 0
    }

    /// A "flat keyed" cgroup file: one `key value` pair per line.
    public static func parseFlatKeyed(_ text: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let v = UInt64(parts[1]) else { continue }
            out[String(parts[0])] = v
        }
        return out
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
