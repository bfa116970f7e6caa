/// The texts the scheduler writes to Events and to the `PodScheduled` condition, as upstream words them.
public enum SchedulingEvents {
    public static let scheduledReason = "Scheduled"
    public static let failedSchedulingReason = "FailedScheduling"
    /// `PodScheduled=False` reason for pods that fit nowhere (`v1.PodReasonUnschedulable`).
    public static let unschedulableReason = "Unschedulable"
    /// `PodScheduled=False` reason for internal errors (`SchedulerError`).
    public static let schedulerErrorReason = "SchedulerError"

    /// `Successfully assigned default/nginx to node-1`.
    public static func scheduledMessage(namespace: String, name: String, node: String) -> String {
        "Successfully assigned \(namespace)/\(name) to \(node)"
    }

    public static func scheduledMessage(pod: PodView, node: String) -> String {
        scheduledMessage(namespace: pod.namespace, name: pod.name, node: node)
    }

    /// Upstream `truncateMessage`: event notes are limited to 1024 bytes; longer ones end in ` ...`.
    public static func truncated(_ message: String, limit: Int = 1024) -> String {
        let bytes = Array(message.utf8)
        guard bytes.count > limit else { return message }
        let suffix = " ..."
        var cut = limit - suffix.utf8.count
        // Never split a UTF-8 sequence (upstream slices bytes; a valid string must not).
        while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: bytes[..<cut], as: UTF8.self) + suffix
    }
}
