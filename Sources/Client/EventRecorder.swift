import APIMachinery
import Foundation

/// How one component records Events about the objects it acts on (client-go's `record.EventRecorder`).
///
/// Recording never waits: the event is stamped now and handed to the broadcaster's buffer, so a
/// controller's reconcile, the scheduler's binding or a kubelet's pod worker is never held up by the API
/// server. A recorder is a value: make one per component (or per node, for a kubelet) and copy it freely.
public struct EventRecorder: Sendable {
    /// `source.component` and `reportingComponent` of every Event (`default-scheduler`, `kubelet`, ...).
    public let component: String
    /// `source.host` and `reportingInstance` (the node name, for a kubelet; empty for the control plane).
    public let host: String
    let broadcaster: EventBroadcaster?

    init(component: String, host: String, broadcaster: EventBroadcaster?) {
        self.component = component
        self.host = host
        self.broadcaster = broadcaster
    }

    /// A recorder that drops everything (for components run without events, and unit tests).
    public static func discarding(component: String) -> EventRecorder {
        EventRecorder(component: component, host: "", broadcaster: nil)
    }

    /// Records an event about `object`, whose kind and apiVersion are given because informer lists do not
    /// carry them on each item. `fieldPath` names a part of it (`spec.containers{nginx}`).
    public func event(_ object: JSON, kind: String, apiVersion: String, fieldPath: String? = nil,
                      _ type: EventType, _ reason: String, _ message: String) {
        var ref: JSON = ["kind": .string(kind), "apiVersion": .string(apiVersion)]
        for (field, value) in [("namespace", object[path: ["metadata", "namespace"]]), ("name", object[path: ["metadata", "name"]]),
                               ("uid", object[path: ["metadata", "uid"]]),
                               ("resourceVersion", object[path: ["metadata", "resourceVersion"]])] {
            if let s = value?.string, !s.isEmpty { ref[field] = .string(s) }
        }
        if let fieldPath { ref["fieldPath"] = .string(fieldPath) }
        event(regarding: ref, type, reason, message)
    }

    /// Records an event about the object `reference` names (a core/v1 ObjectReference: kind, apiVersion,
    /// namespace, name, uid and optionally fieldPath).
    public func event(regarding reference: JSON, _ type: EventType, _ reason: String, _ message: String) {
        broadcaster?.enqueue(EventBroadcaster.Pending(
            involved: reference, component: component, host: host, type: type, reason: reason, message: message, time: Date()))
    }
}
