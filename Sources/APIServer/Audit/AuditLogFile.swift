import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The audit log on disk (`--audit-log-path`), appended to and rotated as upstream's lumberjack logger
/// does: past `--audit-log-maxsize` megabytes the file is renamed `audit-2026-12-07T06-46-39.123.log`
/// (its name with the UTC time of rotation) and a new one started; only the newest
/// `--audit-log-maxbackup` of those are kept (0 keeps them all).
///
/// The file is 0600, and an existing one is narrowed to 0600 when opened: it names every user and every
/// object of the cluster, and at the Request levels holds request bodies (Secrets among them).
/// Not thread-safe: `AuditLogWriter` calls it from its one writing queue.
struct AuditLogFile: ~Copyable {
    static let mode: mode_t = 0o600

    let path: String
    /// 0: never rotate.
    let maxBytes: Int
    /// 0: keep every rotated file.
    let maxBackups: Int
    let now: @Sendable () -> Date
    private var fd: Int32
    private(set) var size: Int
    /// False for standard output, which is neither closed nor rotated.
    private let ownsDescriptor: Bool

    init(path: String, maxBytes: Int, maxBackups: Int, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.path = path
        self.maxBytes = maxBytes
        self.maxBackups = maxBackups
        self.now = now
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        (fd, size) = try Self.openFile(path)
        ownsDescriptor = true
    }

    /// `--audit-log-path -`: events go to standard output.
    init(standardOutput: Void) {
        path = "-"
        maxBytes = 0
        maxBackups = 0
        now = Date.init
        fd = STDOUT_FILENO
        size = 0
        ownsDescriptor = false
    }

    deinit { if ownsDescriptor && fd >= 0 { close(fd) } }

    private static func openFile(_ path: String) throws -> (Int32, Int) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AuditLogError("failed to open audit log file \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fchmod(fd, mode) == 0, fstat(fd, &info) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw AuditLogError("failed to open audit log file \(path): \(why)")
        }
        return (fd, Int(info.st_size))
    }

    /// Appends `bytes` (whole lines), rotating first when they would take the file past its size.
    mutating func append(_ bytes: [UInt8]) throws {
        if ownsDescriptor, maxBytes > 0, size > 0, size + bytes.count > maxBytes { try rotate() }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AuditLogError("failed to write audit log file \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        size += bytes.count
    }

    mutating func rotate() throws {
        let backup = Self.backupName(path, at: now())
        close(fd)
        fd = -1
        if rename(path, backup) != 0 {
            let why = String(cString: strerror(errno))
            (fd, size) = try Self.openFile(path)
            throw AuditLogError("failed to rotate audit log file \(path): \(why)")
        }
        (fd, size) = try Self.openFile(path)
        pruneBackups()
    }

    /// `/logs/audit.log` rotated at 2026-12-07 06:46:39.123 UTC is `/logs/audit-2026-12-07T06-46-39.123.log`.
    static func backupName(_ path: String, at date: Date) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = ext.isEmpty ? url.lastPathComponent : String(url.lastPathComponent.dropLast(ext.count + 1))
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH-mm-ss.SSS"
        let name = base + "-" + formatter.string(from: date) + (ext.isEmpty ? "" : "." + ext)
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The rotated files of `path`, oldest first (their names sort by time).
    static func backups(of path: String) -> [String] {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = ext.isEmpty ? url.lastPathComponent : String(url.lastPathComponent.dropLast(ext.count + 1))
        let dir = url.deletingLastPathComponent()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(base + "-") && (ext.isEmpty || $0.hasSuffix("." + ext)) && $0 != url.lastPathComponent }
            .sorted().map { dir.appendingPathComponent($0).path }
    }

    private func pruneBackups() {
        guard maxBackups > 0 else { return }
        let all = Self.backups(of: path)
        for old in all.dropLast(maxBackups) { unlink(old) }
    }
}

/// The audit log could not be opened or written.
public struct AuditLogError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
