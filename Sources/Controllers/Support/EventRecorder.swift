import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// Normal or Warning, the two core/v1 Event types.
public enum EventType: String, Sendable {
    case normal = "Normal"
    case warning = "Warning"
}

/// Writes core/v1 Events for every controller of a process (client-go's `EventBroadcaster` with its
/// `EventCorrelator`'s de-duplication).
///
/// Recording never blocks a controller: events go into a bounded buffer that `run()` drains. An event
/// identical to one already written (same object, reason, message, type and component) increments that
/// Event's `count` and `lastTimestamp` instead of creating a new object, as upstream does, so `kubectl
/// describe` shows `(x3 over 2m)` rather than three lines.
public final class EventBroadcaster: Sendable {
    struct Pending: Sendable {
        var involved: JSON
        var namespace: String
        var component: String
        var type: EventType
        var reason: String
        var message: String
        var time: Date
    }

    struct Correlation: Hashable {
        var component, uid, kind, namespace, name, reason, message, type: String
    }

    struct Written {
        var namespace: String
        var name: String
        var count: Int64
    }

    let client: KubeClient
    let host: String
    let logger: Logger
    let stream: AsyncStream<Pending>
    let continuation: AsyncStream<Pending>.Continuation
    let written = Mutex<[Correlation: Written]>([:])
    static let maxRemembered = 4096

    public init(client: KubeClient, host: String = "", logger: Logger = Logger(label: "events")) {
        self.client = client
        self.host = host
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Pending.self, bufferingPolicy: .bufferingNewest(4096))
    }

    /// A recorder that signs its events with `component` (`source.component`, `reportingComponent`).
    public func recorder(component: String) -> EventRecorder {
        EventRecorder(component: component, broadcaster: self)
    }

    func enqueue(_ event: Pending) { continuation.yield(event) }

    /// Writes buffered events until the task is cancelled.
    public func run() async {
        await withTaskCancellationHandler {
            for await e in stream {
                if Task.isCancelled { break }
                await write(e)
            }
        } onCancel: {
            continuation.finish()
        }
    }

    func write(_ e: Pending) async {
        let io = e.involved
        let corr = Correlation(
            component: e.component, uid: io["uid"]?.string ?? "", kind: io["kind"]?.string ?? "",
            namespace: io["namespace"]?.string ?? "", name: io["name"]?.string ?? "", reason: e.reason,
            message: e.message, type: e.type.rawValue)
        let stamp = RFC3339.time(e.time)
        if let prior = written.withLock({ $0[corr] }) {
            let count = prior.count + 1
            let path = ResourcePath.events.inNamespace(prior.namespace)
            do {
                try await client.patch(path, prior.name, ["count": .int(count), "lastTimestamp": .string(stamp)])
                written.withLock { $0[corr]?.count = count }
                return
            } catch {
                // Gone (expired or deleted): write a fresh one.
                written.withLock { _ = $0.removeValue(forKey: corr) }
            }
        }
        let name = "\(io["name"]?.string ?? "").\(String(UInt64(max(0, e.time.timeIntervalSince1970 * 1e9)), radix: 16))"
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(e.namespace)],
            "involvedObject": io,
            "reason": .string(e.reason), "message": .string(e.message), "type": .string(e.type.rawValue),
            "source": host.isEmpty ? ["component": .string(e.component)] : ["component": .string(e.component), "host": .string(host)],
            "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp), "count": 1,
            "eventTime": .null, "reportingComponent": .string(e.component), "reportingInstance": .string(host),
        ]
        do {
            try await client.create(.events.inNamespace(e.namespace), event)
            written.withLock { w in
                // Bounded like upstream's LRU of 4096 correlation keys: forgetting only costs a new Event.
                if w.count >= Self.maxRemembered { w.removeAll() }
                w[corr] = Written(namespace: e.namespace, name: name, count: 1)
            }
        } catch {
            logger.debug("could not write event \(e.reason) for \(corr.kind) \(corr.namespace)/\(corr.name): \(error)")
        }
    }
}

/// How one controller records Events about the objects it manages (client-go's `EventRecorder`).
public struct EventRecorder: Sendable {
    public let component: String
    let broadcaster: EventBroadcaster?

    init(component: String, broadcaster: EventBroadcaster?) {
        self.component = component
        self.broadcaster = broadcaster
    }

    /// A recorder that drops everything (for controllers run without events).
    public static func discarding(component: String) -> EventRecorder {
        EventRecorder(component: component, broadcaster: nil)
    }

    /// Records an event about `object`, whose kind and apiVersion are given because informer lists do
    /// not carry them on each item.
    func event(_ object: JSON, kind: String, apiVersion: String, _ type: EventType, _ reason: String, _ message: String) {
        guard let broadcaster else { return }
        var ref: JSON = ["kind": .string(kind), "name": .string(object.name), "uid": .string(object.uid), "apiVersion": .string(apiVersion)]
        if !object.namespace.isEmpty { ref["namespace"] = .string(object.namespace) }
        if !object.resourceVersion.isEmpty { ref["resourceVersion"] = .string(object.resourceVersion) }
        broadcaster.enqueue(.init(
            involved: ref, namespace: object.namespace.isEmpty ? "default" : object.namespace, component: component,
            type: type, reason: reason, message: message, time: Date()))
    }
}
