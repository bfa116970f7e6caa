import APIMachinery

/// A resource list (`requests`, `limits`, a LimitRange item's `max`…) read as quantities. Entries that do
/// not parse are left out: validation has refused such objects before admission sees them.
typealias ResourceList = [String: Quantity]

extension Dictionary where Key == String, Value == Quantity {
    init(resourceList json: JSON?) {
        self.init()
        for (name, value) in json?.object ?? [:] {
            if let q = try? Quantity(json: value) { self[name] = q }
        }
    }

    /// Upstream's `addResourceList`: every entry of `other` added into this list.
    mutating func add(_ other: ResourceList) {
        for (name, q) in other { self[name] = self[name].map { $0 + q } ?? q }
    }

    /// Upstream's `maxResourceList`: each entry of `other` kept where it is larger than this list's.
    mutating func raise(to other: ResourceList) {
        for (name, q) in other where self[name].map({ q > $0 }) ?? true { self[name] = q }
    }
}
