import Foundation

/// Writes what a real node's containerd reads before it starts: its directories, `config.toml` and the
/// CNI conflist, plus the short `/run/skiff/C/N` directory for its state and sockets.
public enum NodeRuntimeFiles {
    public static func write(_ node: NodeLayout) throws {
        let fm = FileManager.default
        for dir in [node.containerdRoot, node.containerdOpt, node.cniConfDir, node.kubeletRoot, node.runDirectory] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        try Data(ContainerdConfig(node: node).toml.utf8).write(to: node.containerdConfig, options: .atomic)
        try CNIConfig(node: node).json.write(to: node.cniConfDir.appendingPathComponent(CNIConfig.fileName), options: .atomic)
    }
}
