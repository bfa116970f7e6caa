import APIMachinery

/// Short reads of untyped objects with Go's zero values for missing fields.
extension JSON {
    /// The string at a dotted path ("status.phase"), "" when missing or not a string.
    func str(_ path: String) -> String { self[path: Self.split(path)]?.string ?? "" }
    /// The integer at a path, 0 when missing.
    func int(_ path: String) -> Int64 { self[path: Self.split(path)]?.int ?? 0 }
    /// The boolean at a path, false when missing.
    func flag(_ path: String) -> Bool { self[path: Self.split(path)]?.bool ?? false }
    /// The array at a path, empty when missing.
    func list(_ path: String) -> [JSON] { self[path: Self.split(path)]?.array ?? [] }
    /// The object at a path (nil when missing or null).
    func obj(_ path: String) -> JSON? {
        guard let v = self[path: Self.split(path)], v.isObject else { return nil }
        return v
    }
    /// The value at a path.
    func at(_ path: String) -> JSON? { self[path: Self.split(path)] }

    private static func split(_ path: String) -> [String] { path.split(separator: ".").map(String.init) }

    var name: String { str("metadata.name") }
    var creationTimestamp: JSON? { at("metadata.creationTimestamp") }
}

/// Upstream's `layoutContainerCells`: container names and images, comma-joined.
func layoutContainerCells(_ containers: [JSON]) -> (names: String, images: String) {
    (containers.map { $0.str("name") }.joined(separator: ","), containers.map { $0.str("image") }.joined(separator: ","))
}

/// Upstream's `labels.FormatLabels`: sorted `k=v` pairs, or "<none>".
func formatLabels(_ labels: [String: String]) -> String {
    if labels.isEmpty { return "<none>" }
    return labels.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { "\($0)=\(labels[$0]!)" }.joined(separator: ",")
}

/// Upstream's `listWithMoreString`.
func listWithMoreString(_ list: [String], more: Bool, count: Int, max: Int) -> String {
    let joined = list.joined(separator: ",")
    if more { return "\(joined) + \(count - max) more..." }
    return joined.isEmpty ? "<unset>" : joined
}
