import Foundation

/// client-go's `EventAggregator`: events about one object that differ only in their message (same source,
/// involved object, type and reason) are counted per ten-minute window; from the tenth distinct message on,
/// each further one is written as a single aggregate Event, "(combined from similar events): MESSAGE", whose
/// count and message follow the latest — so a controller failing with a new message each time (a
/// ReplicaSet's FailedCreate naming each pod) leaves one growing Event, not hundreds.
///
/// Time is the events' own timestamps, so tests pass times instead of waiting.
struct EventAggregator {
    struct Key: Hashable {
        var component, host, kind, namespace, name, uid, apiVersion, type, reason: String
    }

    struct Record {
        var messages: Set<String>
        var last: Date
    }

    static let messagePrefix = "(combined from similar events): "

    let maxEvents: Int
    let interval: TimeInterval
    private var records: LRUCache<Key, Record>

    init(maxEvents: Int = 10, interval: TimeInterval = 600, capacity: Int = 4096) {
        self.maxEvents = maxEvents
        self.interval = interval
        records = LRUCache(capacity: capacity)
    }

    /// Notes `event`; returns it as it should be written: unchanged, or as the aggregate event.
    mutating func aggregate(_ event: EventBroadcaster.Pending) -> EventBroadcaster.Pending {
        let c = event.correlation
        let key = Key(component: c.component, host: c.host, kind: c.kind, namespace: c.namespace, name: c.name, uid: c.uid,
                      apiVersion: c.apiVersion, type: c.type, reason: c.reason)
        var record = records.get(key) ?? Record(messages: [], last: .distantPast)
        if event.time.timeIntervalSince(record.last) > interval { record = Record(messages: [], last: .distantPast) }
        record.messages.insert(event.message)
        record.last = event.time
        defer { records.set(key, record) }
        guard record.messages.count >= maxEvents else { return event }
        // The set never grows past the threshold (upstream pops one).
        record.messages.remove(record.messages.first { $0 != event.message } ?? event.message)
        var combined = event
        combined.message = Self.messagePrefix + event.message
        combined.isAggregate = true
        return combined
    }
}
