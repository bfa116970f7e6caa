import Foundation

/// client-go's `EventSourceObjectSpamFilter`: every (source, involved object, type, reason, message) key
/// has a token bucket of 25 events, refilled at one per five minutes; an event finding its bucket empty is
/// dropped before it costs a write. Without it a crash-looping container's `BackOff`, recorded at each of
/// its pod's syncs, would patch its Event's count every second for as long as the loop lasts.
///
/// Time is the events' own timestamps, so tests pass times instead of waiting.
struct EventSpamFilter {
    struct Bucket {
        var tokens: Double
        var last: Date
    }

    let burst: Double
    let refillPerSecond: Double
    private var buckets: LRUCache<EventBroadcaster.Correlation, Bucket>

    init(burst: Int = 25, refillEvery: TimeInterval = 300, capacity: Int = 4096) {
        self.burst = Double(burst)
        refillPerSecond = 1 / refillEvery
        buckets = LRUCache(capacity: capacity)
    }

    /// Takes a token for `key` at `time`; false when there is none left.
    mutating func allow(_ key: EventBroadcaster.Correlation, at time: Date) -> Bool {
        var bucket = buckets.get(key) ?? Bucket(tokens: burst, last: time)
        let elapsed = max(0, time.timeIntervalSince(bucket.last))
        bucket.tokens = min(burst, bucket.tokens + elapsed * refillPerSecond)
        bucket.last = max(bucket.last, time)
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets.set(key, bucket)
        return allowed
    }
}
