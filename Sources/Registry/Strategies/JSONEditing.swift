import APIMachinery

/// Small in-place edits the strategies make on JSON objects, phrased after Go's defaulting idioms:
/// `if obj.X == ""` (a zero value: absent, null, "", 0 or false) versus `if obj.X == nil` (a pointer:
/// absent or null only, so an explicit 0 stays).
extension JSON {
    /// Sets `key` when it holds a Go zero value (upstream's `if obj.Field == "" / == 0`).
    mutating func defaultIfZero(_ key: String, _ value: JSON) {
        if Semantic.isZeroValue(self[key]) { self[key] = value }
    }

    /// Sets `key` when it is absent or null (upstream's `if obj.Field == nil`).
    mutating func defaultIfNil(_ key: String, _ value: JSON) {
        if self[key] == nil || self[key]!.isNull { self[key] = value }
    }

    /// Runs `edit` on the object at `key` when there is one.
    mutating func editObject(_ key: String, _ edit: (inout JSON) -> Void) {
        guard var child = self[key], child.isObject else { return }
        edit(&child)
        self[key] = child
    }

    /// Runs `edit` on every element of the array at `key` when there is one.
    mutating func editEach(_ key: String, _ edit: (inout JSON) -> Void) {
        guard var list = self[key]?.array else { return }
        for i in list.indices { edit(&list[i]) }
        self[key] = .array(list)
    }

    /// Whether `key` holds something other than null.
    func has(_ key: String) -> Bool {
        guard let v = self[key] else { return false }
        return !v.isNull
    }
}
