import APIMachinery

/// A field path rendered exactly as upstream's `field.Path.String()` renders it: children joined by
/// dots, list indexes and map keys in brackets (`spec.containers[0].image`, `data[my key]`).
///
/// Validation messages quote these paths verbatim, and clients (kubectl, the Python client) show them
/// to users, so the rendering quirks are kept: a root named "" renders as `[]` (upstream's ConfigMap
/// size error says `[]: Too long: ...`).
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ root: String, _ children: String...) {
        var d = root.isEmpty ? "[]" : root
        for c in children { d += "." + c }
        description = d
    }

    private init(rendered: String) { description = rendered }

    public func child(_ name: String, _ more: String...) -> FieldPath {
        var d = description + "." + name
        for c in more { d += "." + c }
        return FieldPath(rendered: d)
    }

    public func index(_ i: Int) -> FieldPath { FieldPath(rendered: description + "[\(i)]") }

    public func key(_ k: String) -> FieldPath { FieldPath(rendered: description + "[\(k)]") }
}
