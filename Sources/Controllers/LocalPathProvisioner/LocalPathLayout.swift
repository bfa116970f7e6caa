import Foundation

/// Where local-path volumes live: `<nodes>/<node>/local-path/<pv>_<namespace>_<claim>`, the directory
/// name local-path's provisioner uses, under the node's own directory of the cluster — so deleting the
/// cluster removes them, and nothing else does unless a volume's reclaim policy says so.
public struct LocalPathLayout: Sendable {
    public let nodesDirectory: URL
    public static let subdirectory = "local-path"

    public init(nodesDirectory: URL) { self.nodesDirectory = nodesDirectory }

    public func directory(node: String, volume: String, namespace: String, claim: String) -> URL {
        nodesDirectory.appendingPathComponent(node, isDirectory: true)
            .appendingPathComponent(Self.subdirectory, isDirectory: true)
            .appendingPathComponent("\(volume)_\(namespace)_\(claim)", isDirectory: true)
    }

    /// Makes the directory world-writable, as local-path does, so containers running as any user can use it.
    func create(_ directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
    }

    /// Removes a volume's directory — only one this layout made for `volume` (inside a node's
    /// `local-path` directory, named after the volume): a hand-edited path never deletes anything else.
    func remove(_ directory: URL, volume: String) throws {
        let standardized = directory.standardizedFileURL
        let parent = standardized.deletingLastPathComponent()
        guard standardized.lastPathComponent.hasPrefix(volume + "_"), parent.lastPathComponent == Self.subdirectory,
              parent.deletingLastPathComponent().deletingLastPathComponent().standardizedFileURL.path == nodesDirectory.standardizedFileURL.path
        else {
            throw LocalPathError(message: "refusing to delete \(directory.path): not a local-path volume directory of \(volume)")
        }
        guard FileManager.default.fileExists(atPath: standardized.path) else { return }
        try FileManager.default.removeItem(at: standardized)
    }
}

struct LocalPathError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
