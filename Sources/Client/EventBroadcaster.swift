import APIMachinery
import Foundation
import Logging
import Synchronization

/// Writes the core/v1 Events of every component of a process (client-go's `record.EventBroadcaster` with
/// its `EventCorrelator`'s de-duplication). The kube-controller-manager, the scheduler, and later the
/// kubelet and kube-proxy each make one and run it beside their work.
///
/// Recording never blocks the caller: events go into a bounded buffer that `run()` drains; when the API
/// server falls that far behind, new events are dropped (and counted in `dropped`), as upstream's
/// broadcaster drops them when its queue of 1,000 is full. An event identical to one already written
/// (same source, involved object, type, reason and message) becomes a patch of that Event's `count` and
/// `lastTimestamp`, so `kubectl describe` shows `(x3 over 2m)` rather than three lines. The Events written
/// are remembered in an LRU cache of 4,096 keys, as upstream's: forgetting one only costs a new Event.
/// Past 25 repeats an event is let through once per five minutes (`EventSpamFilter`); past ten messages
/// for one object and reason in ten minutes, they are combined into one Event (`EventAggregator`).
public final class EventBroadcaster: Sendable {
    struct Pending: Sendable {
        var involved: JSON
        var component: String
        var host: String
        var type: EventType
        var reason: String
        var message: String
        var time: Date
        /// Written as `EventAggregator`'s combined event: one Event per object and reason, whatever the message.
        var isAggregate = false

        /// Upstream's `getEventKey`: what makes two events the same (for an aggregate event, its aggregate
        /// key: the message does not count).
        var correlation: Correlation {
            let s = { (k: String) in involved[k]?.string ?? "" }
            return Correlation(
                component: component, host: host, kind: s("kind"), namespace: s("namespace"), name: s("name"),
                fieldPath: s("fieldPath"), uid: s("uid"), apiVersion: s("apiVersion"), type: type.rawValue,
                reason: reason, message: isAggregate ? "" : message, isAggregate: isAggregate)
        }
    }

    struct Correlation: Hashable {
        var component, host, kind, namespace, name, fieldPath, uid, apiVersion, type, reason, message: String
        var isAggregate = false
    }

    /// The Event written for a correlation key.
    struct Written {
        var namespace: String
        var name: String
        var count: Int64
        var firstTimestamp: String
    }

    typealias Lane = (stream: AsyncStream<Pending>, continuation: AsyncStream<Pending>.Continuation)

    let client: KubeClient
    let logger: Logger
    /// Each correlation key always goes to the same lane, so repeats of one event are written in order
    /// and the second finds the first in `written`; separate lanes write concurrently.
    let lanes: [Lane]
    let written: Mutex<LRUCache<Correlation, Written>>
    let spamFilter = Mutex(EventSpamFilter())
    let aggregator = Mutex(EventAggregator())
    let droppedCount = Atomic<Int>(0)
    let filteredCount = Atomic<Int>(0)

    /// - Parameters:
    ///   - queueLength: events buffered per lane before new ones are dropped (upstream: 1,000).
    ///   - writers: lanes written concurrently. One (upstream) suits a controller manager; the scheduler
    ///     records an event per pod it binds and uses more, so that its events keep up with its bindings.
    ///   - cacheSize: correlation keys remembered for de-duplication (upstream: 4,096).
    public init(client: KubeClient, queueLength: Int = 1000, writers: Int = 1, cacheSize: Int = 4096,
                logger: Logger = Logger(label: "events")) {
        precondition(queueLength > 0 && writers > 0, "a buffer and a writer")
        self.client = client
        self.logger = logger
        lanes = (0..<writers).map { _ in AsyncStream.makeStream(of: Pending.self, bufferingPolicy: .bufferingOldest(queueLength)) }
        written = Mutex(LRUCache(capacity: cacheSize))
    }

    /// A recorder that signs its events with `component` (`source.component`, `reportingComponent`) and
    /// `host` (`source.host`, `reportingInstance`: a kubelet's node name, empty for the control plane).
    public func recorder(component: String, host: String = "") -> EventRecorder {
        EventRecorder(component: component, host: host, broadcaster: self)
    }

    /// Events dropped because the buffer was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Events dropped by the spam filter: the same event about the same object too often.
    public var filtered: Int { filteredCount.load(ordering: .relaxed) }

    /// client-go's `EventCorrelator` order: the spam filter, then aggregation, then de-duplication (in `write`).
    func enqueue(_ event: Pending) {
        guard spamFilter.withLock({ $0.allow(event.correlation, at: event.time) }) else {
            filteredCount.add(1, ordering: .relaxed)
            return
        }
        let event = aggregator.withLock { $0.aggregate(event) }
        let lane = lanes.count == 1 ? 0 : Int(UInt(bitPattern: event.correlation.hashValue) % UInt(lanes.count))
        if case .dropped = lanes[lane].continuation.yield(event) {
            droppedCount.add(1, ordering: .relaxed)
            logger.debug("event buffer full: dropped \(event.reason) for \(event.involved["name"]?.string ?? "")")
        }
    }

    /// Writes buffered events until the task is cancelled; events still buffered then are not written.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for lane in lanes {
                    group.addTask {
                        for await e in lane.stream {
                            if Task.isCancelled { break }
                            await self.write(e)
                        }
                    }
                }
            }
        } onCancel: {
            for lane in lanes { lane.continuation.finish() }
        }
    }

    /// Patches the Event already written for `e`'s key, or creates one (upstream's `recordToSink`).
    func write(_ e: Pending) async {
        let key = e.correlation
        let stamp = RFC3339.time(e.time)
        let prior = written.withLock { $0.get(key) }
        if let prior {
            let count = prior.count + 1
            do {
                var patch: JSON = ["count": .int(count), "lastTimestamp": .string(stamp)]
                // An aggregate Event shows the latest of the messages it combines.
                if e.isAggregate { patch["message"] = .string(e.message) }
                try await client.patch(.events.inNamespace(prior.namespace), prior.name, patch)
                written.withLock { $0.set(key, Written(namespace: prior.namespace, name: prior.name, count: count, firstTimestamp: prior.firstTimestamp)) }
                return
            } catch let error as APIError where error.code == 404 {
                // Expired (Events live an hour) or deleted: written again below, with the count so far.
            } catch {
                logger.debug("could not update event \(prior.namespace)/\(prior.name): \(error)")
                return
            }
        }
        let namespace = key.namespace.isEmpty ? "default" : key.namespace
        // Upstream's name: the object's name and the time in nanoseconds, in hex.
        let name = prior?.name ?? "\(key.name).\(String(UInt64(max(0, e.time.timeIntervalSince1970 * 1e9)), radix: 16))"
        let count = (prior?.count ?? 0) + 1
        let first = prior?.firstTimestamp ?? stamp
        var source: JSON = ["component": .string(e.component)]
        if !e.host.isEmpty { source["host"] = .string(e.host) }
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "involvedObject": e.involved,
            "reason": .string(e.reason), "message": .string(e.message), "type": .string(e.type.rawValue),
            "source": source, "firstTimestamp": .string(first), "lastTimestamp": .string(stamp), "count": .int(count),
            "eventTime": .null, "reportingComponent": .string(e.component), "reportingInstance": .string(e.host),
        ]
        do {
            try await client.create(.events.inNamespace(namespace), event)
            written.withLock { $0.set(key, Written(namespace: namespace, name: name, count: count, firstTimestamp: first)) }
        } catch {
            logger.debug("could not write event \(e.reason) for \(key.kind) \(key.namespace)/\(key.name): \(error)")
        }
    }
}
