/// A binary heap of queued pods addressable by uid, so updates and deletes are O(log n) (upstream's
/// `heap.Heap` keyed by pod).
struct PodHeap: Sendable {
    enum Order: Sendable {
        /// activeQ: higher priority first, then earlier timestamp (upstream `PrioritySort`).
        case priorityThenTimestamp
        /// backoffQ: earliest backoff expiry first.
        case backoffExpiry
    }

    let order: Order
    private(set) var items: [QueuedPodInfo] = []
    private var positions: [String: Int] = [:]

    init(order: Order) { self.order = order }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var first: QueuedPodInfo? { items.first }

    func contains(_ uid: String) -> Bool { positions[uid] != nil }
    func get(_ uid: String) -> QueuedPodInfo? { positions[uid].map { items[$0] } }

    private func less(_ a: QueuedPodInfo, _ b: QueuedPodInfo) -> Bool {
        switch order {
        case .priorityThenTimestamp:
            if a.pod.priority != b.pod.priority { return a.pod.priority > b.pod.priority }
            if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
            return a.sequence < b.sequence
        case .backoffExpiry:
            if a.backoffExpiry != b.backoffExpiry { return a.backoffExpiry < b.backoffExpiry }
            return a.sequence < b.sequence
        }
    }

    /// Inserts, or replaces the entry with the same uid and restores the order.
    mutating func upsert(_ info: QueuedPodInfo) {
        if let i = positions[info.uid] {
            items[i] = info
            if !siftUp(i) { siftDown(i) }
            return
        }
        items.append(info)
        positions[info.uid] = items.count - 1
        siftUp(items.count - 1)
    }

    mutating func popFirst() -> QueuedPodInfo? {
        guard !items.isEmpty else { return nil }
        return remove(at: 0)
    }

    @discardableResult
    mutating func remove(_ uid: String) -> QueuedPodInfo? {
        guard let i = positions[uid] else { return nil }
        return remove(at: i)
    }

    private mutating func remove(at i: Int) -> QueuedPodInfo {
        let last = items.count - 1
        if i != last { swapItems(i, last) }
        let removed = items.removeLast()
        positions[removed.uid] = nil
        if i < items.count, !siftUp(i) { siftDown(i) }
        return removed
    }

    private mutating func swapItems(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        positions[items[a].uid] = a
        positions[items[b].uid] = b
    }

    @discardableResult
    private mutating func siftUp(_ start: Int) -> Bool {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(items[i], items[parent]) else { break }
            swapItems(i, parent)
            i = parent
        }
        return i != start
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var best = i
            if l < items.count, less(items[l], items[best]) { best = l }
            if r < items.count, less(items[r], items[best]) { best = r }
            if best == i { return }
            swapItems(i, best)
            i = best
        }
    }
}
