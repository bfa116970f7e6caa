import Foundation

/// `metav1.Condition` lists (`status.conditions` of the newer kinds) as upstream's `apimachinery/pkg/api/meta`
/// helpers edit them: one entry per type, `lastTransitionTime` moves only when the status flips.
public enum StatusConditions {
    /// The condition of `type` in `conditions`, if any (upstream's `FindStatusCondition`).
    public static func find(_ conditions: [JSON], _ type: String) -> JSON? {
        conditions.first { $0["type"]?.string == type }
    }

    /// Adds or updates the condition of `type` (upstream's `SetStatusCondition`); returns whether anything
    /// changed. A new condition, or one whose status flips, gets `now` as its `lastTransitionTime`.
    @discardableResult
    public static func set(
        _ conditions: inout [JSON], type: String, status: String, reason: String, message: String,
        observedGeneration: Int64, now: Date
    ) -> Bool {
        let generation: JSON? = observedGeneration == 0 ? nil : .int(observedGeneration)
        guard let i = conditions.firstIndex(where: { $0["type"]?.string == type }) else {
            var c: JSON = ["type": .string(type), "status": .string(status)]
            c["observedGeneration"] = generation
            c["lastTransitionTime"] = .string(RFC3339.time(now))
            c["reason"] = .string(reason)
            c["message"] = .string(message)
            conditions.append(c)
            return true
        }
        var c = conditions[i]
        if c["status"]?.string != status {
            c["status"] = .string(status)
            c["lastTransitionTime"] = .string(RFC3339.time(now))
        }
        if c["reason"]?.string != reason { c["reason"] = .string(reason) }
        if c["message"]?.string != message { c["message"] = .string(message) }
        if (c["observedGeneration"]?.int ?? 0) != observedGeneration { c["observedGeneration"] = generation }
        let changed = c != conditions[i]
        conditions[i] = c
        return changed
    }
}

/// The `DisruptionAllowed` condition of a PodDisruptionBudget, kept in step with
/// `status.disruptionsAllowed` by both the disruption controller and the eviction subresource (upstream's
/// `component-helpers/apps/poddisruptionbudget`).
public enum DisruptionAllowedCondition {
    public static let type = "DisruptionAllowed"
    public static let sufficientPods = "SufficientPods"
    public static let insufficientPods = "InsufficientPods"
    public static let syncFailed = "SyncFailed"

    /// Sets the condition from `status.disruptionsAllowed` (upstream's `UpdateDisruptionAllowedCondition`).
    public static func update(_ status: inout JSON, now: Date) {
        var conditions = status["conditions"]?.array ?? []
        let allowed = (status["disruptionsAllowed"]?.int ?? 0) > 0
        StatusConditions.set(
            &conditions, type: type, status: allowed ? "True" : "False",
            reason: allowed ? sufficientPods : insufficientPods, message: "",
            observedGeneration: status["observedGeneration"]?.int ?? 0, now: now)
        status["conditions"] = .array(conditions)
    }

    /// Whether the condition matches `status.disruptionsAllowed` and the status is of the current
    /// generation (upstream's `ConditionsAreUpToDate`).
    public static func isUpToDate(_ pdb: JSON) -> Bool {
        let status = pdb["status"] ?? [:]
        guard let c = StatusConditions.find(status["conditions"]?.array ?? [], type) else { return false }
        if (status["observedGeneration"]?.int ?? 0) != (pdb[path: ["metadata", "generation"]]?.int ?? 0) { return false }
        if (status["disruptionsAllowed"]?.int ?? 0) > 0 {
            return c["status"]?.string == "True" && c["reason"]?.string == sufficientPods
        }
        return c["status"]?.string == "False" && c["reason"]?.string == insufficientPods
    }
}
