import APIMachinery
import Foundation

/// `backoffLimitPerIndex` (upstream's KEP-3850, in `indexed_job_utils.go`): each index of an Indexed
/// Job has its own retry budget and its own back-off. A pod's failures so far travel on its
/// replacement's `job-index-failure-count` annotation; an index whose pod fails with that count at the
/// limit (or matches a `FailIndex` rule) is failed for good and listed in `status.failedIndexes`.
enum JobIndexFailures {
    /// The pod failed in a way that fails its index (upstream's `isIndexFailed`).
    static func isIndexFailed(_ job: JSON, _ pod: JSON) -> Bool {
        guard let limit = JobFacts.backoffLimitPerIndex(job), JobFacts.isFailed(pod, job) else { return false }
        var counted = true
        if let policy = job[path: ["spec", "podFailurePolicy"]] {
            let match = PodFailurePolicy.match(policy, pod: pod)
            if match.action == "FailIndex" { return true }
            counted = match.countFailed
        }
        return counted && JobFacts.indexFailureCount(pod) >= limit
    }

    /// `status.failedIndexes` with the indexes whose pods failed them since (upstream's `calculateFailedIndexes`).
    static func failedIndexes(_ job: JSON, pods: [JSON]) -> CompletedIndexes {
        let completions = JobFacts.completions(job) ?? 0
        var result = CompletedIndexes(parsing: job[path: ["status", "failedIndexes"]]?.string ?? "", completions: completions)
        for pod in pods where JobFacts.hasTrackingFinalizer(pod) {
            if let i = JobFacts.validIndex(pod, job), isIndexFailed(job, pod) { result.insert(i) }
        }
        return result
    }

    /// For each index still to be retried, its latest failed pod, whose finalizer stays until the
    /// replacement exists, so the replacement can inherit its failure count (upstream's
    /// `getPodsWithDelayedDeletionPerIndex`).
    static func podsWithDelayedDeletion(_ ctx: JobSyncContext, failed: CompletedIndexes) -> [Int: JSON] {
        let job = ctx.job
        let activeIndexes = Set(ctx.activePods.compactMap(JobFacts.completionIndex))
        var out: [Int: JSON] = [:]
        for pod in ctx.pods where JobFacts.hasTrackingFinalizer(pod) && !ctx.expectedRemovals.contains(pod.uid) && JobFacts.isFailed(pod, job) {
            guard let i = JobFacts.validIndex(pod, job),
                  !ctx.succeededIndexes.contains(i), !failed.contains(i), !activeIndexes.contains(i) else { continue }
            if let last = out[i] {
                if JobFacts.indexAbsoluteFailureCount(last) <= JobFacts.indexAbsoluteFailureCount(pod),
                   JobFacts.finishedTime(pod) >= JobFacts.finishedTime(last) {
                    out[i] = pod
                }
            } else {
                out[i] = pod
            }
        }
        return out
    }

    /// The failure counts a replacement of `replaced` carries (upstream's `getNewIndexFailureCounts`):
    /// one more counted failure, or one more ignored one when the pod failure policy ignored it.
    static func newFailureCounts(_ job: JSON, replacing replaced: JSON?) -> (counted: Int, ignored: Int) {
        guard let replaced else { return (0, 0) }
        var counted = JobFacts.indexFailureCount(replaced), ignored = JobFacts.indexIgnoredFailureCount(replaced)
        if let policy = job[path: ["spec", "podFailurePolicy"]], !PodFailurePolicy.match(policy, pod: replaced).countFailed {
            ignored += 1
        } else {
            counted += 1
        }
        return (counted, ignored)
    }

    /// How long the index of `lastFailed` must still wait before its next pod (upstream's
    /// `getRemainingTimePerIndex`): the Job back-off, doubled per failure of that index alone.
    static func remainingTime(lastFailed: JSON?, now: Date) -> TimeInterval {
        guard let lastFailed else { return 0 }
        let record = JobBackoff.Record(failuresAfterLastSuccess: JobFacts.indexAbsoluteFailureCount(lastFailed) + 1,
                                       lastFailureTime: JobFacts.finishedTime(lastFailed))
        return JobBackoff.remaining(record, now: now)
    }

    /// The indexes whose back-off is over; when none is, the shortest wait left (upstream's
    /// `getPodCreationInfoForIndependentIndexes`).
    static func creatable(_ indexes: [Int], delayed: [Int: JSON], now: Date) -> (indexes: [Int], wait: TimeInterval) {
        var ready: [Int] = []
        var shortest: TimeInterval?
        for i in indexes {
            let wait = remainingTime(lastFailed: delayed[i], now: now)
            if wait == 0 {
                ready.append(i)
            } else if shortest.map({ wait < $0 }) ?? true {
                shortest = wait
            }
        }
        return ready.isEmpty ? ([], shortest ?? 0) : (ready, 0)
    }
}
