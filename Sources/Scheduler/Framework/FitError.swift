/// The pod fits no node. `message` is byte-for-byte upstream's `FitError.Error()` (v1.32): the event and
/// `PodScheduled` condition text, e.g.
/// `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.`
public struct FitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var podKey: String
    public var numAllNodes: Int
    public var diagnosis: Diagnosis
    /// Set when preemption found room: the node to record as `status.nominatedNodeName` once `victims`
    /// are deleted (upstream then retries the pod on its nominated node).
    public var nominatedNodeName: String?
    public var victims: [PodView] = []

    public init(podKey: String, numAllNodes: Int, diagnosis: Diagnosis) {
        self.podKey = podKey
        self.numAllNodes = numAllNodes
        self.diagnosis = diagnosis
    }

    public var description: String { message }

    /// `0/N nodes are available: <PreFilterMsg>. | <sorted "count reason" histogram>. [<PostFilterMsg>]`.
    public var message: String {
        var msg = "0/\(numAllNodes) nodes are available:"
        if !diagnosis.preFilterMsg.isEmpty {
            msg += " \(diagnosis.preFilterMsg)."
        } else {
            var counts: [String: Int] = [:]
            for status in diagnosis.nodeToStatus.statuses.values {
                for r in status.reasons { counts[r, default: 0] += 1 }
            }
            let absent = numAllNodes - diagnosis.nodeToStatus.count
            if absent > 0 {
                for r in diagnosis.nodeToStatus.absentNodesStatus.reasons { counts[r, default: 0] += absent }
            }
            // Go's sort.Strings orders by bytes ("10 x" before "2 y"); so do we.
            let histogram = counts.map { "\($0.value) \($0.key)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if !histogram.isEmpty { msg += " \(histogram.joined(separator: ", "))." }
        }
        if !diagnosis.postFilterMsg.isEmpty { msg += " \(diagnosis.postFilterMsg)" }
        return msg
    }
}
