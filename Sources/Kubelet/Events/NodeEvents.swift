import APIMachinery
import Client

/// The kubelet's Events about its Node, as upstream's kubelet records them: `Starting` ("Starting
/// kubelet."), `NodeAllocatableEnforced`, and one event per condition that changes status
/// (`NodeHasSufficientMemory`, `NodeReady`, `NodeNotReady`, ...) with "Node N status is now: REASON".
/// Node events are about an object whose uid upstream gives as the node's name, and they land in the
/// `default` namespace.
public struct NodeEvents: Sendable {
    let recorder: EventRecorder
    let nodeName: String

    public init(recorder: EventRecorder, nodeName: String) {
        self.recorder = recorder
        self.nodeName = nodeName
    }

    var reference: JSON { ["kind": "Node", "name": .string(nodeName), "uid": .string(nodeName)] }

    public func record(_ type: EventType, _ reason: String, _ message: String) {
        recorder.event(regarding: reference, type, reason, message)
    }

    /// Records each condition whose status differs between `previous` and `current` node statuses
    /// (all of them when there was no previous status: a node just registered).
    public func recordTransitions(from previous: JSON?, to current: JSON) {
        for reason in Self.transitions(from: previous, to: current) {
            record(.normal, reason, "Node \(nodeName) status is now: \(reason)")
        }
    }

    /// The event reasons for the conditions that changed, in the order the conditions are listed.
    public static func transitions(from previous: JSON?, to current: JSON) -> [String] {
        let before = Dictionary((previous?["conditions"]?.array ?? []).compactMap { c -> (String, String)? in
            guard let type = c["type"]?.string else { return nil }
            return (type, c["status"]?.string ?? "")
        }, uniquingKeysWith: { first, _ in first })
        var reasons: [String] = []
        for c in current["conditions"]?.array ?? [] {
            guard let type = c["type"]?.string, let status = c["status"]?.string, before[type] != status,
                  let reason = reason(type: type, status: status) else { continue }
            reasons.append(reason)
        }
        return reasons
    }

    /// Upstream's reason for a condition's new status (pkg/kubelet/nodestatus setters).
    static func reason(type: String, status: String) -> String? {
        switch (type, status) {
        case ("MemoryPressure", "False"): "NodeHasSufficientMemory"
        case ("MemoryPressure", "True"): "NodeHasInsufficientMemory"
        case ("DiskPressure", "False"): "NodeHasNoDiskPressure"
        case ("DiskPressure", "True"): "NodeHasDiskPressure"
        case ("PIDPressure", "False"): "NodeHasSufficientPID"
        case ("PIDPressure", "True"): "NodeHasInsufficientPID"
        case ("Ready", "True"): "NodeReady"
        case ("Ready", "False"): "NodeNotReady"
        default: nil
        }
    }
}
