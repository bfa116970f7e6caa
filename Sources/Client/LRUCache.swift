/// A map that keeps at most `capacity` entries, forgetting the least recently used one to make room
/// (the `golang-lru` cache client-go's event correlator keeps its 4,096 keys in). Not thread-safe: the
/// owner locks around it.
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    private var index: [Key: Int] = [:]
    /// Entries in a slab; a forgotten entry's slot is reused by the next insert, so it never grows past
    /// `capacity`.
    private var nodes: [Node] = []
    private var newest: Int?
    private var oldest: Int?

    init(capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one entry")
        self.capacity = capacity
    }

    var count: Int { index.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        touch(i)
        return nodes[i].value
    }

    /// Sets `key`'s value and makes it the most recently used, forgetting the oldest entry when full.
    mutating func set(_ key: Key, _ value: Value) {
        if let i = index[key] {
            nodes[i].value = value
            touch(i)
            return
        }
        let slot: Int
        if index.count < capacity {
            slot = nodes.count
            nodes.append(Node(key: key, value: value))
        } else {
            slot = oldest!
            unlink(slot)
            index[nodes[slot].key] = nil
            nodes[slot] = Node(key: key, value: value)
        }
        index[key] = slot
        pushNewest(slot)
    }

    /// Forgets `key`, moving the slab's last entry into its slot so the slab stays dense.
    mutating func remove(_ key: Key) {
        guard let i = index[key] else { return }
        unlink(i)
        index[key] = nil
        let last = nodes.count - 1
        if i != last {
            nodes[i] = nodes[last]
            index[nodes[i].key] = i
            if let n = nodes[i].newer { nodes[n].older = i } else { newest = i }
            if let o = nodes[i].older { nodes[o].newer = i } else { oldest = i }
        }
        nodes.removeLast()
    }

    private mutating func touch(_ i: Int) {
        guard newest != i else { return }
        unlink(i)
        pushNewest(i)
    }

    private mutating func unlink(_ i: Int) {
        let (newer, older) = (nodes[i].newer, nodes[i].older)
        if let newer { nodes[newer].older = older } else { newest = older }
        if let older { nodes[older].newer = newer } else { oldest = newer }
        nodes[i].newer = nil
        nodes[i].older = nil
    }

    private mutating func pushNewest(_ i: Int) {
        nodes[i].older = newest
        nodes[i].newer = nil
        if let n = newest { nodes[n].newer = i }
        newest = i
        if oldest == nil { oldest = i }
    }
}
