import Cluster
import Foundation

/// Where one process's resident memory sits, from `/proc/PID/smaps`: the executable's code, the rest of
/// the executable (metadata, read-only and writable data), anonymous memory (heap, stacks) and shared
/// libraries. Resident set (RSS) counts every page mapped; proportional set (PSS) divides a shared page
/// among the processes mapping it, so the PSS of processes sums to the memory they really use together.
struct ProcessMemory: Sendable {
    enum Part: String, CaseIterable, Sendable {
        case code, executableData = "exe data", anonymous = "anon", libraries = "libs"
    }

    private(set) var rssKiB: [Part: Int] = [:]
    private(set) var pssKiB: [Part: Int] = [:]

    var rssMiB: Double { Double(rssKiB.values.reduce(0, +)) / 1024 }
    var pssMiB: Double { Double(pssKiB.values.reduce(0, +)) / 1024 }
    func rssMiB(_ part: Part) -> Double { Double(rssKiB[part] ?? 0) / 1024 }

    /// Reads the process's mappings; nil when it is gone or not readable.
    init?(pid: Int32) {
        guard let smaps = ProcFile.string("/proc/\(pid)/smaps"),
              let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe") else { return nil }
        var part = Part.anonymous
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5, first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                // A mapping's header: "start-end perms offset dev inode [path]".
                let path = fields.count > 5 ? fields[5...].joined(separator: " ") : ""
                if path == exe { part = fields[1].contains("x") ? .code : .executableData }
                else if path.hasPrefix("/") { part = .libraries }
                else { part = .anonymous }
            } else if first == "Rss:", fields.count > 1, let kb = Int(fields[1]) {
                rssKiB[part, default: 0] += kb
            } else if first == "Pss:", fields.count > 1, let kb = Int(fields[1]) {
                pssKiB[part, default: 0] += kb
            }
        }
    }
}
