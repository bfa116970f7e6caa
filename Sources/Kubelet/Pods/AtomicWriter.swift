import Foundation

/// Upstream's AtomicWriter (`pkg/volume/util/atomic_writer.go`): the files of a ConfigMap, Secret,
/// downward API or projected volume live in a timestamped directory `..<time>.<n>`; `..data` is a symlink
/// to the current one and every visible path is a symlink through `..data`. An update writes a whole new
/// directory and swaps `..data` by renaming a fresh symlink over it, so a reader sees the old set or the
/// new one, never a mix; then stale visible paths and the old directory go.
///
/// Nothing is written when the payload equals what `..data` holds already: a pod re-synced every few
/// seconds does not churn its volumes.
public struct AtomicWriter: Sendable {
    public let directory: URL
    /// The pod's fsGroup: every file and directory written is group-owned by it.
    public let group: UInt32?
    public static let dataDirName = "..data"
    static let newDataDirName = "..data_tmp"

    public init(directory: URL, group: UInt32? = nil) {
        self.directory = directory
        self.group = group
    }

    /// A file's content and mode, by its relative path.
    public typealias Payload = [String: (data: Data, mode: Int)]

    /// Makes the volume hold exactly `payload`. Returns whether anything changed.
    @discardableResult
    public func write(_ payload: Payload) throws -> Bool {
        let fm = FileManager.default
        for path in payload.keys { try Self.validate(path) }
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let dataLink = directory.appendingPathComponent(Self.dataDirName)
        let old = try? fm.destinationOfSymbolicLink(atPath: dataLink.path)
        if let old, try matches(payload, in: directory.appendingPathComponent(old)) { return false }

        let stamp = Self.timestampedName()
        let fresh = directory.appendingPathComponent(stamp, isDirectory: true)
        try fm.createDirectory(at: fresh, withIntermediateDirectories: true)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fresh.path)
        for (path, file) in payload {
            let url = fresh.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.data.write(to: url)
            try fm.setAttributes([.posixPermissions: file.mode], ofItemAtPath: url.path)
        }
        if let group { VolumeOwnership.setGroup(of: fresh, to: group) }
        // The swap: a new symlink renamed over `..data` (rename is atomic).
        let tmpLink = directory.appendingPathComponent(Self.newDataDirName)
        try? fm.removeItem(at: tmpLink)
        try fm.createSymbolicLink(atPath: tmpLink.path, withDestinationPath: stamp)
        guard rename(tmpLink.path, dataLink.path) == 0 else {
            throw AtomicWriterError(message: "cannot swap \(dataLink.path): \(String(cString: strerror(errno)))")
        }
        // Visible top-level names: a symlink through `..data` for each; stale ones removed.
        let wanted = Set(payload.keys.map { String($0.split(separator: "/")[0]) })
        let existing = (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in existing where !name.hasPrefix("..") && !wanted.contains(name) {
            if (try? fm.destinationOfSymbolicLink(atPath: directory.appendingPathComponent(name).path)) != nil {
                try? fm.removeItem(at: directory.appendingPathComponent(name))
            }
        }
        for name in wanted where (try? fm.destinationOfSymbolicLink(atPath: directory.appendingPathComponent(name).path)) == nil {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
            try fm.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: "\(Self.dataDirName)/\(name)")
        }
        if let old, old != stamp { try? fm.removeItem(at: directory.appendingPathComponent(old)) }
        return true
    }

    /// Whether `dir` holds exactly the payload's files, contents and modes.
    func matches(_ payload: Payload, in dir: URL) throws -> Bool {
        let fm = FileManager.default
        guard let walker = fm.enumerator(atPath: dir.path) else { return false }
        var files: [String] = []
        while let rel = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: dir.appendingPathComponent(rel).path, isDirectory: &isDir), !isDir.boolValue { files.append(rel) }
        }
        guard Set(files) == Set(payload.keys) else { return false }
        for (path, file) in payload {
            let url = dir.appendingPathComponent(path)
            guard let data = fm.contents(atPath: url.path), data == file.data,
                  (try? fm.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) == file.mode else { return false }
        }
        return true
    }

    /// Upstream `validatePath`: relative, no `..` element, not starting with `..`.
    static func validate(_ path: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if path.isEmpty || path.hasPrefix("/") || path.hasPrefix("..") || parts.contains("..") {
            throw AtomicWriterError(message: "invalid path \(path)")
        }
    }

    /// `..2006_01_02_15_04_05.<random>`, as Go's `os.MkdirTemp` names upstream's directories.
    static func timestampedName(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy_MM_dd_HH_mm_ss"
        return "..\(formatter.string(from: now)).\(UInt32.random(in: 0...UInt32.max))"
    }
}

struct AtomicWriterError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
