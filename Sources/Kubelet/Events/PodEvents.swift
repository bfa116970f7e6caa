import APIMachinery
import Client

/// The kubelet's Events about one pod, as upstream's kubelet records them: from `kubelet` on this node,
/// about the Pod, and for container events with a `fieldPath` naming the container
/// (`spec.containers{nginx}`, `spec.initContainers{setup}`). `kubectl describe pod` lists them; they are
/// how a learner sees the kubelet pull, create, start, probe and stop containers.
///
/// A value made per sync and handed to the runtime in `PodSyncContext`; recording never waits (the
/// broadcaster buffers), so the runtime calls it inline.
public struct PodEvents: Sendable {
    let recorder: EventRecorder
    let pod: JSON

    public init(recorder: EventRecorder, pod: JSON) {
        self.recorder = recorder
        self.pod = pod
    }

    /// Records nothing (simulated runs without an API server, unit tests).
    public static let discarding = PodEvents(recorder: .discarding(component: "kubelet"), pod: [:])

    /// An event about the pod as a whole.
    public func pod(_ type: EventType, _ reason: String, _ message: String) {
        recorder.event(pod, kind: "Pod", apiVersion: "v1", type, reason, message)
    }

    /// An event about one container; `kind` is "init" for init containers.
    public func container(_ name: String, kind: String, _ type: EventType, _ reason: String, _ message: String) {
        let field = kind == "init" ? "initContainers" : "containers"
        recorder.event(pod, kind: "Pod", apiVersion: "v1", fieldPath: "spec.\(field){\(name)}", type, reason, message)
    }

    /// The pod as upstream's kubelet names it in messages: `NAME_NAMESPACE(UID)`.
    public var formatted: String {
        let m = pod["metadata"] ?? [:]
        return "\(m["name"]?.string ?? "")_\(m["namespace"]?.string ?? "")(\(m["uid"]?.string ?? ""))"
    }
}
