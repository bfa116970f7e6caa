import APIMachinery
import Foundation

/// `kubectl get events`: LAST SEEN TYPE REASON OBJECT MESSAGE | SUBOBJECT SOURCE FIRST SEEN COUNT NAME
/// (the wide columns are interleaved in upstream's order).
public struct EventPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        TableColumn(name: "Last Seen", description: "The time at which the most recent occurrence of this event was recorded."),
        TableColumn(name: "Type", description: "Type of this event (Normal, Warning), new types could be added in the future"),
        TableColumn(name: "Reason", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        TableColumn(name: "Object", description: "The object that this event is about."),
        TableColumn(name: "Subobject", priority: 1, description: "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object."),
        TableColumn(name: "Source", priority: 1, description: "The component reporting this event. Should be a short machine understandable string."),
        TableColumn(name: "Message", description: "A human-readable description of the status of this operation."),
        TableColumn(name: "First Seen", priority: 1, description: "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
        TableColumn(name: "Count", priority: 1, description: "The number of times this event has occurred."),
        TableColumn(name: "Name", format: "name", priority: 1, description: ColumnDescriptions.name),
    ]

    public func cells(for event: JSON, now: Date) -> [JSON] {
        var firstSeen = translateTimestampSince(event.at("firstTimestamp"), now: now)
        if Timestamp(event.at("firstTimestamp")) == nil {
            firstSeen = translateTimestampSince(event.at("eventTime"), now: now)
        }
        var lastSeen = translateTimestampSince(event.at("lastTimestamp"), now: now)
        if Timestamp(event.at("lastTimestamp")) == nil { lastSeen = firstSeen }
        var count = event.int("count")
        if let series = event.obj("series") {
            lastSeen = translateTimestampSince(series.at("lastObservedTime"), now: now)
            count = series.int("count")
        } else if count == 0 {
            // Singleton events of the events.k8s.io API carry no count.
            count = 1
        }
        let kind = event.str("involvedObject.kind").lowercased()
        let objectName = event.str("involvedObject.name")
        let target = objectName.isEmpty ? kind : "\(kind)/\(objectName)"
        return [
            .string(lastSeen), .string(event.str("type")), .string(event.str("reason")), .string(target),
            .string(event.str("involvedObject.fieldPath")), .string(Self.source(event)),
            .string(event.str("message").trimmingCharacters(in: .whitespacesAndNewlines)),
            .string(firstSeen), .int(count), .string(event.name),
        ]
    }

    /// Upstream's `formatEventSource`: "component, host", falling back to reportingComponent/Instance.
    static func source(_ event: JSON) -> String {
        let component = event.str("source.component").isEmpty ? event.str("reportingComponent") : event.str("source.component")
        let instance = event.str("source.host").isEmpty ? event.str("reportingInstance") : event.str("source.host")
        return instance.isEmpty ? component : "\(component), \(instance)"
    }
}
