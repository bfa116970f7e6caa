import Foundation

/// Small helpers over processes by PID: the tool only ever signals processes it started and recorded.
public enum ProcessControl {
    public static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 { return false }
        // A zombie is not alive for our purposes.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let state = stat[stat.index(close, offsetBy: 2)]
            return state != "Z" && state != "X"
        }
        return true
    }

    public static func readPID(_ url: URL) -> Int32? {
        guard let s = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        return Int32(s.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    public static func writePID(_ pid: Int32, to url: URL) throws {
        try String(pid).write(to: url, atomically: true, encoding: .utf8)
    }

    /// SIGTERM, then SIGKILL after `grace`; returns when the process is gone.
    public static func stop(_ pid: Int32, grace: Duration = .seconds(5)) async {
        guard isAlive(pid) else { return }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while isAlive(pid), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if isAlive(pid) {
            kill(pid, SIGKILL)
            while isAlive(pid) { try? await Task.sleep(for: .milliseconds(10)) }
        }
    }
}
