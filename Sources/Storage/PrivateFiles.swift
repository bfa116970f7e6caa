import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The store holds every Secret: its folder is mode 0700 and its files (`state.db`, `-wal`, `-shm`) 0600,
/// as etcd keeps its data directory, so no other local user can read them.
///
/// The database file is created here, empty and already 0600, before SQLite opens it: SQLite gives the
/// `-wal` and `-shm` files it creates later the mode of the database file. Files of an existing store
/// (made before this rule) are narrowed on open.
enum PrivateFiles {
    static let directoryMode: mode_t = 0o700
    static let fileMode: mode_t = 0o600

    static func prepare(databasePath path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        try check(chmod(folder.path, directoryMode), folder.path)
        let fd = open(path, O_RDWR | O_CREAT, fileMode)
        try check(fd >= 0 ? 0 : -1, path)
        close(fd)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try check(chmod(file, fileMode), file)
        }
    }

    private static func check(_ result: Int32, _ path: String) throws {
        guard result == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
    }
}
