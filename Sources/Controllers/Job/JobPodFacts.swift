import APIMachinery
import Foundation

/// What the Job controller reads off its pods and Jobs (upstream's helpers in `pkg/controller/job`).
enum JobFacts {
    /// Keeps a finished pod in the API until the Job has counted it (`batch.kubernetes.io/job-tracking`).
    static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    /// An Indexed Job's pod's index: annotation, label, and the downward-API source of JOB_COMPLETION_INDEX.
    static let completionIndexKey = "batch.kubernetes.io/job-completion-index"
    static let completionIndexEnv = "JOB_COMPLETION_INDEX"
    /// Failures of earlier pods of the same index, carried to the replacement pod (backoffLimitPerIndex).
    static let indexFailureCountKey = "batch.kubernetes.io/job-index-failure-count"
    /// Failures of earlier pods of the index that the pod failure policy ignored.
    static let indexIgnoredFailureCountKey = "batch.kubernetes.io/job-index-ignored-failure-count"

    static func hasTrackingFinalizer(_ pod: JSON) -> Bool { pod.finalizers.contains(trackingFinalizer) }

    static func isIndexed(_ job: JSON) -> Bool { job[path: ["spec", "completionMode"]]?.string == "Indexed" }

    static func completions(_ job: JSON) -> Int? { job[path: ["spec", "completions"]]?.int.map { Int($0) } }

    static func parallelism(_ job: JSON) -> Int { Int(job.integer(at: ["spec", "parallelism"], default: 1)) }

    static func backoffLimit(_ job: JSON) -> Int { Int(job.integer(at: ["spec", "backoffLimit"], default: 6)) }

    /// `spec.backoffLimitPerIndex`: only for Indexed Jobs (validation rejects it elsewhere).
    static func backoffLimitPerIndex(_ job: JSON) -> Int? {
        guard isIndexed(job) else { return nil }
        return job[path: ["spec", "backoffLimitPerIndex"]]?.int.map { Int($0) }
    }

    static func hasBackoffLimitPerIndex(_ job: JSON) -> Bool { backoffLimitPerIndex(job) != nil }

    static func maxFailedIndexes(_ job: JSON) -> Int? { job[path: ["spec", "maxFailedIndexes"]]?.int.map { Int($0) } }

    /// A pod's `job-index-failure-count` (upstream's `getIndexFailureCount`): 0 when missing, unparsable,
    /// negative or beyond Int32, as a user may have written anything there.
    static func indexFailureCount(_ pod: JSON) -> Int { annotationCount(pod, indexFailureCountKey) }

    static func indexIgnoredFailureCount(_ pod: JSON) -> Int { annotationCount(pod, indexIgnoredFailureCountKey) }

    /// Every failure of the index before this pod, counted or ignored: what its back-off doubles on.
    static func indexAbsoluteFailureCount(_ pod: JSON) -> Int { indexFailureCount(pod) + indexIgnoredFailureCount(pod) }

    private static func annotationCount(_ pod: JSON, _ key: String) -> Int {
        guard let s = pod.annotations[key], let v = Int(s), v >= 0, v <= Int(Int32.max) else { return 0 }
        return v
    }

    static func isSuspended(_ job: JSON) -> Bool { job[path: ["spec", "suspend"]]?.bool == true }

    /// A pod's completion index from its annotation; nil when missing or not a non-negative integer.
    static func completionIndex(_ pod: JSON) -> Int? {
        guard let s = pod.annotations[completionIndexKey], let i = Int(s), i >= 0 else { return nil }
        return i
    }

    /// The index of an Indexed Job's pod when it is one the Job counts (within `completions`).
    static func validIndex(_ pod: JSON, _ job: JSON) -> Int? {
        guard let i = completionIndex(pod), i < (completions(job) ?? 0) else { return nil }
        return i
    }

    /// Only failed pods are replaced, not terminating ones (`podReplacementPolicy: Failed`, implied by a
    /// pod failure policy).
    static func onlyReplaceFailedPods(_ job: JSON) -> Bool {
        job[path: ["spec", "podReplacementPolicy"]]?.string == "Failed" || job[path: ["spec", "podFailurePolicy"]] != nil
    }

    /// Upstream's `isPodFailed`: phase Failed, or (unless only failed pods count) deleted before it succeeded.
    static func isFailed(_ pod: JSON, _ job: JSON) -> Bool {
        let phase = PodState.phase(pod)
        if phase == "Failed" { return true }
        if onlyReplaceFailedPods(job) { return false }
        return pod.isBeingDeleted && phase != "Succeeded"
    }

    /// Not finished yet but being deleted (`controller.IsPodTerminating`).
    static func isTerminating(_ pod: JSON) -> Bool {
        let phase = PodState.phase(pod)
        return phase != "Succeeded" && phase != "Failed" && pod.isBeingDeleted
    }

    /// When a finished pod finished (upstream's `getFinishedTime`): its containers' latest finishedAt, else
    /// its Ready condition turning False, else its deletion or creation time.
    static func finishedTime(_ pod: JSON) -> Date {
        var latest: Date?
        for key in ["containerStatuses", "initContainerStatuses"] {
            for s in pod[path: ["status", key]]?.array ?? [] {
                if let t = s[path: ["state", "terminated", "finishedAt"]]?.string.flatMap(RFC3339.parse), latest.map({ t > $0 }) ?? true {
                    latest = t
                }
            }
        }
        if let latest { return latest }
        if let ready = PodState.condition(pod, "Ready"), ready["status"]?.string == "False",
           let t = ready["lastTransitionTime"]?.string.flatMap(RFC3339.parse) { return t }
        return pod.deletionTimestamp ?? pod.creationTimestamp ?? Date(timeIntervalSince1970: 0)
    }

    static func condition(_ job: JSON, _ type: String) -> JSON? {
        (job[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == type }
    }

    static func hasTrueCondition(_ job: JSON, _ type: String) -> Bool {
        condition(job, type)?["status"]?.string == "True"
    }

    /// Complete or Failed (upstream's `IsJobFinished`).
    static func isFinished(_ job: JSON) -> Bool { hasTrueCondition(job, "Complete") || hasTrueCondition(job, "Failed") }

    /// The finished condition's type, if any.
    static func finishedType(_ job: JSON) -> String? {
        if hasTrueCondition(job, "Complete") { return "Complete" }
        if hasTrueCondition(job, "Failed") { return "Failed" }
        return nil
    }
}
