import Foundation

/// Reads a kernel-generated file (/proc, cgroupfs) to its end. These report a size of zero and hand out
/// one page per read, and Foundation's `String(contentsOfFile:)` / `FileManager.contents(atPath:)` stop
/// after the first read — silently dropping most of `/proc/self/mountinfo`, say.
public enum ProcFile {
    public static func data(_ path: String) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return out.isEmpty ? nil : out
            }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    public static func string(_ path: String) -> String? {
        data(path).map { String(decoding: $0, as: UTF8.self) }
    }
}
