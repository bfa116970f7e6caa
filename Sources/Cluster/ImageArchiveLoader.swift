import Foundation

/// `skiff load image-archive`: imports image archives (OCI layouts as skopeo writes them, `docker save`
/// archives) into the `k8s.io` namespace of each chosen node's containerd, where CRI finds them — the
/// nodes at once, as kind does.
public struct ImageArchiveLoader: Sendable {
    public let spec: ClusterSpec
    public let paths: ClusterPaths

    public struct Imported: Sendable, Equatable {
        public var node: String
        public var archive: String
        /// The image names and digests ctr reported (`unpacking NAME (sha256:…)...done`).
        public var images: [(name: String, digest: String)]

        public static func == (a: Imported, b: Imported) -> Bool {
            a.node == b.node && a.archive == b.archive && a.images.map(\.name) == b.images.map(\.name)
                && a.images.map(\.digest) == b.images.map(\.digest)
        }
    }

    public init(spec: ClusterSpec, paths: ClusterPaths) {
        self.spec = spec
        self.paths = paths
    }

    /// The nodes to load into: all of them, or those named (unknown names are an error, as in kind).
    public func nodes(named names: [String]) throws -> [NodeLayout] {
        let all = NodeLayout.all(spec: spec, paths: paths)
        guard !names.isEmpty else { return all }
        return try names.map { n in
            guard let node = all.first(where: { $0.name == n }) else { throw ClusterError("unknown node: \(n)") }
            return node
        }
    }

    /// The `ctr` command that imports one archive into one node. `--digests` names images the archive
    /// leaves unnamed by their digest; `--skip-digest-for-named` keeps named ones from a second entry.
    public static func importCommand(node: NodeLayout, archive: String) -> [String] {
        [HostCommand.which("ctr") ?? "ctr", "--address", node.containerdSocket, "--namespace", "k8s.io",
         "images", "import", "--digests", "--skip-digest-for-named", archive]
    }

    /// ctr's report lines: `unpacking docker.io/library/busybox:1.35 (sha256:…)...done`.
    public static func parse(_ output: String) -> [(name: String, digest: String)] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("unpacking "), let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else { return nil }
            let name = line[line.index(line.startIndex, offsetBy: 10)..<open].trimmingCharacters(in: .whitespaces)
            return (name, String(line[line.index(after: open)..<close]))
        }
    }

    public func load(archives: [String], into nodes: [NodeLayout]) async throws -> [Imported] {
        for f in archives where !FileManager.default.fileExists(atPath: f) { throw ClusterError("no such file: \(f)") }
        for n in nodes where !UnixSocketProbe.accepts(n.containerdSocket) {
            throw ClusterError("the containerd of node \(n.name) is not serving on \(n.containerdSocket)")
        }
        return try await withThrowingTaskGroup(of: [Imported].self) { group in
            for node in nodes {
                group.addTask {
                    var done: [Imported] = []
                    for archive in archives {
                        let out: String
                        do { out = try HostCommand(Self.importCommand(node: node, archive: archive)).run() } catch {
                            throw ClusterError("loading \(archive) into node \(node.name): \(error)")
                        }
                        done.append(Imported(node: node.name, archive: archive, images: Self.parse(out)))
                    }
                    return done
                }
            }
            var all: [Imported] = []
            for try await part in group { all += part }
            let order = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
            return all.sorted { (order[$0.node] ?? 0, archives.firstIndex(of: $0.archive) ?? 0) < (order[$1.node] ?? 0, archives.firstIndex(of: $1.archive) ?? 0) }
        }
    }
}
