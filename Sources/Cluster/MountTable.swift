import Foundation

/// The mounts this process sees (`/proc/self/mountinfo`), for finding what a node left mounted and the
/// cgroup hierarchies.
public struct MountTable: Sendable {
    public struct Mount: Sendable, Equatable {
        public var mountPoint: String
        public var fsType: String
        public var superOptions: String
    }

    public var mounts: [Mount]

    public init(mountinfo: String) {
        mounts = mountinfo.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 10, let dash = f.firstIndex(of: "-"), dash + 2 < f.count else { return nil }
            return Mount(mountPoint: Self.unescape(f[4]), fsType: f[dash + 1], superOptions: f.count > dash + 3 ? f[dash + 3] : "")
        }
    }

    public static func current() -> MountTable {
        MountTable(mountinfo: ProcFile.string("/proc/self/mountinfo") ?? "")
    }

    /// mountinfo writes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 4 <= b.count,
               let v = UInt8(String(decoding: b[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Mount points at or below any of `prefixes`, deepest first (the order to unmount them in).
    public func mountPoints(under prefixes: [String]) -> [String] {
        let hits = mounts.map(\.mountPoint).filter { mp in
            prefixes.contains { p in mp == p || mp.hasPrefix(p.hasSuffix("/") ? p : p + "/") }
        }
        return hits.sorted { $0.split(separator: "/").count > $1.split(separator: "/").count }
    }

    /// Where each cgroup hierarchy is mounted (every v1 controller and the v2 unified tree).
    public var cgroupRoots: [String] {
        mounts.filter { $0.fsType == "cgroup" || $0.fsType == "cgroup2" }.map(\.mountPoint)
    }
}
