import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `emptyDir.medium: Memory`: the volume directory is a tmpfs, of `sizeLimit` bytes when given (upstream
/// sizes it so; without a limit the kernel's default, half of memory). Unmounted before the pod's
/// directory is removed.
enum MemoryMedium {
    /// Mounts a tmpfs on `directory` unless one is there already.
    static func mount(at directory: URL, sizeLimit: Int64?) throws {
        if isMountPoint(directory) { return }
        var options = "mode=0777"
        if let sizeLimit, sizeLimit > 0 { options += ",size=\(sizeLimit)" }
        #if canImport(Glibc)
        let rc = options.withCString { Glibc.mount("tmpfs", directory.path, "tmpfs", 0, $0) }
        if rc != 0 {
            throw MemoryMediumError(message: "mount failed: tmpfs at \(directory.path): \(String(cString: strerror(errno)))")
        }
        #else
        throw MemoryMediumError(message: "tmpfs volumes need Linux")
        #endif
    }

    /// Unmounts every mount point directly inside `directory` (lazily, as a container may still hold it).
    static func unmountAll(under directory: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names {
            let path = directory.appendingPathComponent(name)
            #if canImport(Glibc)
            if isMountPoint(path) { _ = umount2(path.path, Int32(MNT_DETACH)) }
            #endif
        }
    }

    /// A different device than its parent: something is mounted there.
    static func isMountPoint(_ url: URL) -> Bool {
        var own = stat(), parent = stat()
        guard stat(url.path, &own) == 0, stat(url.deletingLastPathComponent().path, &parent) == 0 else { return false }
        return own.st_dev != parent.st_dev
    }
}

struct MemoryMediumError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
