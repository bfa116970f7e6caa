import Foundation

/// A set of field paths, stored as a trie the way `fieldsV1` is written.
///
/// At each level `members` holds the steps that are themselves in the set (a leaf field, a list element,
/// a map entry) and `children` the steps that have members further down. A step can be both: a container
/// element owned as a whole *and* some of its fields (`"k:{...}": {".": {}, "f:image": {}}`).
/// Invariant: no child set is empty, so two sets holding the same paths compare equal.
public struct FieldSet: Sendable, Hashable {
    public internal(set) var members: Set<PathElement>
    public internal(set) var children: [PathElement: FieldSet]

    public init() {
        members = []
        children = [:]
    }

    public init(_ paths: [FieldPath]) {
        self.init()
        for p in paths { insert(p) }
    }

    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    /// The number of paths in the set.
    public var count: Int { members.count + children.values.reduce(0) { $0 + $1.count } }

    /// Adds a path. The empty path (the object itself) is never tracked and is ignored.
    public mutating func insert(_ path: FieldPath) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(Array(path.dropFirst()))
        }
    }

    /// True when the path itself is in the set (not merely a prefix of paths in it).
    public func contains(_ path: FieldPath) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(Array(path.dropFirst())) ?? false
    }

    /// The paths below one step, relative to it.
    public func child(_ pe: PathElement) -> FieldSet { children[pe] ?? FieldSet() }

    /// True when the step is a member or has members below it.
    func touches(_ pe: PathElement) -> Bool { members.contains(pe) || children[pe] != nil }

    // MARK: - Set algebra

    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (pe, sub) in other.children {
            out.children[pe] = out.children[pe].map { $0.union(sub) } ?? sub
        }
        return out
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (pe, sub) in children {
            guard let o = other.children[pe] else { continue }
            let i = sub.intersection(o)
            if !i.isEmpty { out.children[pe] = i }
        }
        return out
    }

    /// Paths in `self` that are not in `other`. Removing a path leaves the paths below it alone.
    public func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (pe, sub) in children {
            if let o = other.children[pe] {
                let d = sub.subtracting(o)
                if !d.isEmpty { out.children[pe] = d }
            } else {
                out.children[pe] = sub
            }
        }
        return out
    }

    /// Paths in `self` that are neither in `other` nor below a path of `other`: removing `status` removes
    /// every `status.*` path too. This is how reset (ignored) fields are excluded from ownership.
    public func subtractingRecursively(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (pe, sub) in children where !other.members.contains(pe) {
            if let o = other.children[pe] {
                let d = sub.subtractingRecursively(o)
                if !d.isEmpty { out.children[pe] = d }
            } else {
                out.children[pe] = sub
            }
        }
        return out
    }

    /// Every path, in upstream's iteration order: at each level the members (sorted), then the paths below
    /// each child (sorted).
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: FieldPath, into out: inout [FieldPath]) {
        for pe in members.sorted() { out.append(prefix + [pe]) }
        for pe in children.keys.sorted() { children[pe]!.collect(prefix: prefix + [pe], into: &out) }
    }
}

extension FieldSet: CustomStringConvertible {
    /// One printed path per line, as upstream's `Set.String()`.
    public var description: String { paths.map(\.fieldPathString).joined(separator: "\n") }
}
