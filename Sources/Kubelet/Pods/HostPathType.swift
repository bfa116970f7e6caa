import Foundation

/// A hostPath volume's `type` checks (upstream's `checkType` in the hostPath plugin): the `...OrCreate`
/// types make what is missing (a 0755 directory, an empty 0644 file), the others require the path to be
/// what they name; "" checks nothing.
enum HostPathType {
    /// nil when the path passes, else upstream's message.
    static func check(path: String, type: String) -> String? {
        let fm = FileManager.default
        switch type {
        case "":
            return nil
        case "DirectoryOrCreate":
            if !fm.fileExists(atPath: path) {
                do {
                    try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                } catch {
                    return "\(error)"
                }
            }
            return kind(of: path) == .typeDirectory ? nil : "hostPath type check failed: \(path) is not a directory"
        case "Directory":
            return kind(of: path) == .typeDirectory ? nil : "hostPath type check failed: \(path) is not a directory"
        case "FileOrCreate":
            if !fm.fileExists(atPath: path) {
                try? fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644])
            }
            return kind(of: path) == .typeRegular ? nil : "hostPath type check failed: \(path) is not a file"
        case "File":
            return kind(of: path) == .typeRegular ? nil : "hostPath type check failed: \(path) is not a file"
        case "Socket":
            return kind(of: path) == .typeSocket ? nil : "hostPath type check failed: \(path) is not a socket file"
        case "CharDevice":
            return kind(of: path) == .typeCharacterSpecial ? nil : "hostPath type check failed: \(path) is not a character device"
        case "BlockDevice":
            return kind(of: path) == .typeBlockSpecial ? nil : "hostPath type check failed: \(path) is not a block device"
        default:
            return "hostPath type check failed: \(path) is not a \(type)"
        }
    }

    /// What the path is, following symlinks (as Go's `os.Stat`).
    static func kind(of path: String) -> FileAttributeType? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
    }
}
