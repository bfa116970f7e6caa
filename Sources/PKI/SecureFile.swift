import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files that may hold secrets: created with their final mode (never briefly world-readable) and
/// renamed into place, so a reader sees either the old file or the whole new one.
enum SecureFile {
    /// Private keys and kubeconfigs with embedded keys, as kubeadm and kind write them.
    static let privateMode: mode_t = 0o600
    /// Certificates: public, as kubeadm writes them.
    static let publicMode: mode_t = 0o644

    /// Replaces `url` with `data` at exactly `mode` (the umask does not narrow or widen it).
    /// A symlink at `url` is followed, so a linked kubeconfig stays linked.
    static func write(_ data: Data, to url: URL, mode: mode_t) throws(PKIError) {
        let target = url.resolvingSymlinksInPath()
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).tmp-\(UInt64.random(in: 0...UInt64.max))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw .io(path: target.path, reason: errnoText()) }
        var failure: String?
        if fchmod(fd, mode) != 0 { failure = errnoText() }
        if failure == nil {
            failure = data.withUnsafeBytes { raw -> String? in
                var offset = 0
                while offset < raw.count {
                    let n = posixWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return errnoText()
                    }
                    offset += n
                }
                return nil
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = errnoText() }
        close(fd)
        if failure == nil, rename(temporary.path, target.path) != 0 { failure = errnoText() }
        if let failure {
            unlink(temporary.path)
            throw .io(path: target.path, reason: failure)
        }
    }

    /// The file's text, or a `PKIError.io` naming the file.
    static func readText(_ url: URL) throws(PKIError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .io(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    /// Creates the directory (and parents) when missing.
    static func makeDirectory(_ url: URL, mode: Int = 0o755) throws(PKIError) {
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
        } catch {
            throw .io(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// `write(2)`, named apart from the static method above.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Glibc.write(fd, buffer, count)
    #endif
}
