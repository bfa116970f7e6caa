import APIMachinery
import Client
import Foundation
import Synchronization

/// What one sync of a Job knows (upstream's `syncJobCtx`).
struct JobSyncContext {
    var job: JSON
    var pods: [JSON]
    var activePods: [JSON]
    var status: JobStatusValue
    var succeeded: Int
    var failed: Int
    var finished: JobCondition?
    var expectedRemovals: Set<String>
    var prevSucceededIndexes = CompletedIndexes()
    var succeededIndexes = CompletedIndexes()
    /// With `backoffLimitPerIndex`: the indexes failed for good (nil otherwise).
    var failedIndexes: CompletedIndexes?
    /// With `backoffLimitPerIndex`: per index to retry, the failed pod whose finalizer waits for its replacement.
    var delayedDeletion: [Int: JSON] = [:]
    var newBackoff: JobBackoff.Record
    var now: Date
}

extension JobController {
    func syncJob(_ key: String) async throws {
        guard let job = jobs.store.get(key) else {
            expectations.delete(key)
            finalizerExpectations.delete(key)
            backoff.remove(key)
            return
        }
        // A finished Job is left alone; its pods' finalizers went before it was marked finished, and any
        // left (a pod adopted late) go through the orphan path.
        if JobFacts.isFinished(job) {
            backoff.remove(key)
            for pod in (try? pods.store.byIndex(Indexes.controllerUID, job.uid)) ?? [] where JobFacts.hasTrackingFinalizer(pod) {
                queue.add(Self.orphanPrefix + pod.key)
            }
            return
        }

        let expectedRemovals = finalizerExpectations.expectedUIDs(key)
        let satisfied = expectations.satisfied(key) && expectedRemovals.isEmpty
        let selector: LabelSelector
        do {
            selector = try LabelSelector(labelSelector: job[path: ["spec", "selector"]])
        } catch {
            logger.error("job \(key) has an invalid selector: \(error)")
            return
        }
        let inNamespace = (try? pods.store.byIndex(Indexer.namespaceIndex, job.namespace)) ?? []
        let claimed = try await ControllerRefManager(
            client: client, resource: .pods, owner: job, ownerKind: Self.kind, ownerAPIVersion: Self.apiVersion,
            matches: { selector.matches($0.labels) }, logger: logger
        ).claim(inNamespace)

        let now = clock.now
        var ctx = JobSyncContext(
            job: job, pods: claimed, activePods: claimed.filter(PodState.isActive), status: JobStatusValue(job["status"]),
            succeeded: 0, failed: 0, finished: nil, expectedRemovals: expectedRemovals, newBackoff: JobBackoff.Record(), now: now)
        let uncountedSucceeded = Set(ctx.status.uncountedSucceeded), uncountedFailed = Set(ctx.status.uncountedFailed)
        let newSucceeded = validPods(ctx, uncounted: uncountedSucceeded) { PodState.phase($0) == "Succeeded" }
        let newFailed = validPods(ctx, uncounted: uncountedFailed) { JobFacts.isFailed($0, job) }
        let policy = job[path: ["spec", "podFailurePolicy"]]
        ctx.succeeded = ctx.status.succeeded + newSucceeded.count + uncountedSucceeded.count
        ctx.failed = ctx.status.failed + newFailed.filter { PodFailurePolicy.match(policy, pod: $0).countFailed }.count + uncountedFailed.count
        var active = ctx.activePods.count
        var ready = ctx.activePods.filter(PodState.isReady).count
        var terminating = claimed.filter(JobFacts.isTerminating).count
        let suspended = JobFacts.isSuspended(job)

        if ctx.status.startTime == nil && !suspended {
            ctx.status.startTime = RFC3339.time(now)
        }
        ctx.newBackoff = JobBackoff.next(backoff.record(key), succeeded: newSucceeded.map(JobFacts.finishedTime),
                                         failed: newFailed.map(JobFacts.finishedTime))

        // Failure: a FailureTarget set earlier, a FailJob rule, the back-off limit, the deadline.
        if let scm = ctx.status.condition("SuccessCriteriaMet"), scm["status"]?.string == "True" {
            ctx.finished = JobCondition(scm)
        }
        if ctx.finished == nil {
            if let target = ctx.status.condition("FailureTarget"), target["status"]?.string == "True", let c = JobCondition(target) {
                ctx.finished = c.final(now)
            } else if let message = failJobMessage(job, claimed) {
                ctx.finished = .podFailurePolicy(message, now)
            }
        }
        if ctx.finished == nil {
            if ctx.failed > JobFacts.backoffLimit(job) || pastBackoffLimitOnFailure(job, claimed) {
                ctx.finished = .backoffLimitExceeded(now)
            } else if pastActiveDeadline(job, ctx.status, now: now) {
                ctx.finished = .deadlineExceeded(now)
            } else if let deadline = job[path: ["spec", "activeDeadlineSeconds"]]?.int, !suspended,
                      let start = ctx.status.startTime.flatMap(RFC3339.parse) {
                queue.addAfter(key, clock.until(start.addingTimeInterval(Double(deadline))))
            }
        }
        if JobFacts.isIndexed(job) {
            let completions = JobFacts.completions(job) ?? 0
            ctx.prevSucceededIndexes = CompletedIndexes(parsing: ctx.status.completedIndexes, completions: completions)
            var all = ctx.prevSucceededIndexes
            for pod in claimed where PodState.phase(pod) == "Succeeded" && JobFacts.hasTrackingFinalizer(pod) {
                if let i = JobFacts.validIndex(pod, job) { all.insert(i) }
            }
            ctx.succeededIndexes = all
            ctx.succeeded = all.total
            if JobFacts.hasBackoffLimitPerIndex(job) {
                let failed = JobIndexFailures.failedIndexes(job, pods: claimed)
                ctx.failedIndexes = failed
                if ctx.finished == nil {
                    if let maxFailed = JobFacts.maxFailedIndexes(job), failed.total > maxFailed {
                        ctx.finished = .maxFailedIndexesExceeded(now)
                    } else if failed.total > 0, failed.total + all.total >= completions {
                        ctx.finished = .failedIndexes(now)
                    }
                }
                ctx.delayedDeletion = JobIndexFailures.podsWithDelayedDeletion(ctx, failed: failed)
            }
            if ctx.finished == nil,
               let message = JobSuccessPolicy.match(job[path: ["spec", "successPolicy"]], completions: completions, succeeded: all) {
                ctx.finished = .successPolicy(message, now)
            }
        }

        var suspendChanged = false
        var manageError: Error?
        if ctx.finished != nil {
            let (deletedReady, deleted, error) = await deleteActivePods(job, ctx.activePods)
            if deleted != active || !satisfied {
                // Pods may remain, or the cache may not show them all yet: not finished until it does.
                ctx.finished = nil
            }
            active -= deleted
            terminating += deleted
            ready -= deletedReady
            manageError = error
        } else {
            var manageCalled = false
            if satisfied && !job.isBeingDeleted {
                let outcome = await manageJob(&ctx, terminating: terminating)
                active = outcome.active
                terminating += outcome.removed
                ready -= outcome.removedReady
                manageError = outcome.error
                manageCalled = true
            }
            let complete: Bool
            if let completions = JobFacts.completions(job) {
                complete = ctx.succeeded >= completions && active == 0
            } else {
                complete = ctx.succeeded > 0 && active == 0
            }
            if complete {
                ctx.finished = .completionsReached(now)
            } else if manageCalled {
                if suspended {
                    if ctx.status.ensureCondition(JobCondition(type: "Suspended", reason: "JobSuspended", message: "Job suspended", time: now)) {
                        suspendChanged = true
                        recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "Suspended", "Job suspended")
                    }
                } else if ctx.status.ensureCondition(JobCondition(type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", time: now)) {
                    suspendChanged = true
                    recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "Resumed", "Job resumed")
                    // The deadline counts time the Job is continuously active: it starts over on resume.
                    ctx.status.startTime = RFC3339.time(now)
                }
            }
        }
        let needsUpdate = suspendChanged || active != ctx.status.active || ready != ctx.status.ready
            || terminating != ctx.status.terminating || job[path: ["status", "ready"]] == nil
            || ctx.status.startTime != job[path: ["status", "startTime"]]?.string
        ctx.status.active = active
        ctx.status.ready = ready
        ctx.status.terminating = terminating
        try await trackStatusAndRemoveFinalizers(&ctx, key: key, needsFlush: needsUpdate)
        if let manageError { throw manageError }
    }

    /// Finished pods not yet counted: with the tracking finalizer, not in `uncounted`, not already being
    /// released, and (Indexed) with an index the Job has (upstream's `getValidPodsWithFilter`).
    func validPods(_ ctx: JobSyncContext, uncounted: Set<String>, _ filter: (JSON) -> Bool) -> [JSON] {
        ctx.pods.filter { p in
            guard JobFacts.hasTrackingFinalizer(p), !uncounted.contains(p.uid), !ctx.expectedRemovals.contains(p.uid) else { return false }
            if JobFacts.isIndexed(ctx.job), JobFacts.validIndex(p, ctx.job) == nil { return false }
            return filter(p)
        }
    }

    func failJobMessage(_ job: JSON, _ pods: [JSON]) -> String? {
        guard let policy = job[path: ["spec", "podFailurePolicy"]] else { return nil }
        for p in pods where JobFacts.isFailed(p, job) {
            if let m = PodFailurePolicy.match(policy, pod: p).failJobMessage { return m }
        }
        return nil
    }

    /// With `restartPolicy: OnFailure` failures are container restarts: their total against the limit.
    func pastBackoffLimitOnFailure(_ job: JSON, _ pods: [JSON]) -> Bool {
        guard job[path: ["spec", "template", "spec", "restartPolicy"]]?.string == "OnFailure" else { return false }
        var restarts: Int64 = 0
        for p in pods where ["Running", "Pending"].contains(PodState.phase(p)) {
            for key in ["initContainerStatuses", "containerStatuses"] {
                for s in p[path: ["status", key]]?.array ?? [] { restarts += s["restartCount"]?.int ?? 0 }
            }
        }
        let limit = Int64(JobFacts.backoffLimit(job))
        return limit == 0 ? restarts > 0 : restarts >= limit
    }

    func pastActiveDeadline(_ job: JSON, _ status: JobStatusValue, now: Date) -> Bool {
        guard let deadline = job[path: ["spec", "activeDeadlineSeconds"]]?.int, !JobFacts.isSuspended(job),
              let start = status.startTime.flatMap(RFC3339.parse) else { return false }
        return now.timeIntervalSince(start) >= Double(deadline)
    }

    // MARK: Counting

    /// Records finished pods in `uncountedTerminatedPods`, removes their finalizers, moves them to the
    /// counters, and marks the Job finished once nothing is left to count or terminate (upstream's
    /// `trackJobStatusAndRemoveFinalizers`).
    func trackStatusAndRemoveFinalizers(_ ctx: inout JobSyncContext, key: String, needsFlush flush: Bool) async throws {
        var needsFlush = flush
        let job = ctx.job
        let indexed = JobFacts.isIndexed(job)
        var pods = ctx.pods
        if indexed { pods.sort { (JobFacts.completionIndex($0) ?? Int.max) < (JobFacts.completionIndex($1) ?? Int.max) } }
        var withFinalizer = Set(pods.filter(JobFacts.hasTrackingFinalizer).map(\.uid))
        if Self.cleanUncounted(&ctx.status, withFinalizer: withFinalizer) { needsFlush = true }
        let policy = job[path: ["spec", "podFailurePolicy"]]
        let uncountedFailedBefore = Set(ctx.status.uncountedFailed)
        var toRelease: [JSON] = []
        var newSucceededIndexes: [Int] = []
        var reachedMax = false
        let finishedAsFailure = ctx.finished.map { $0.type != "SuccessCriteriaMet" && $0.type != "Complete" } ?? false
        for pod in pods {
            guard JobFacts.hasTrackingFinalizer(pod), !ctx.expectedRemovals.contains(pod.uid) else { continue }
            let considerFailed = JobFacts.isFailed(pod, job)
            guard canRemoveFinalizer(ctx, pod, considerFailed: considerFailed) else { continue }
            toRelease.append(pod)
            if PodState.phase(pod) == "Succeeded" && !uncountedFailedBefore.contains(pod.uid) {
                if indexed {
                    if let i = JobFacts.validIndex(pod, job), !ctx.prevSucceededIndexes.contains(i) {
                        newSucceededIndexes.append(i)
                        needsFlush = true
                    }
                } else if !ctx.status.uncountedSucceeded.contains(pod.uid) {
                    ctx.status.uncountedSucceeded.append(pod.uid)
                    needsFlush = true
                }
            } else if considerFailed || finishedAsFailure {
                // Once the Job fails, every pod not yet finished counts as failed.
                if !ctx.status.uncountedFailed.contains(pod.uid), !indexed || JobFacts.validIndex(pod, job) != nil,
                   PodFailurePolicy.match(policy, pod: pod).countFailed {
                    ctx.status.uncountedFailed.append(pod.uid)
                    needsFlush = true
                }
            }
            if newSucceededIndexes.count + ctx.status.uncountedSucceeded.count + ctx.status.uncountedFailed.count >= Self.maxUncountedPods {
                reachedMax = true
                break
            }
        }
        if indexed {
            for i in newSucceededIndexes { ctx.succeededIndexes.insert(i) }
            let text = ctx.succeededIndexes.text
            if text != ctx.status.completedIndexes { needsFlush = true }
            ctx.status.succeeded = ctx.succeededIndexes.total
            ctx.status.completedIndexes = text
            let failedText = ctx.failedIndexes?.text
            if failedText != ctx.status.failedIndexes {
                ctx.status.failedIndexes = failedText
                needsFlush = true
            }
        }
        if let f = ctx.finished, f.type == "FailureTarget" {
            // The reason is recorded before the pods are released; Failed follows once they are counted.
            ctx.status.conditions.append(f.json)
            needsFlush = true
            ctx.finished = f.final(ctx.now)
        }
        if let f = ctx.finished, f.type == "SuccessCriteriaMet" {
            if !ctx.status.hasTrue("SuccessCriteriaMet") {
                ctx.status.conditions.append(f.json)
                needsFlush = true
            }
            ctx.finished = f.final(ctx.now)
        }

        // Flush: the uncounted UIDs are durable before any finalizer goes.
        if needsFlush {
            ctx.job = try await updateStatus(ctx.job, ctx.status)
            backoff.update(key, ctx.newBackoff)
            needsFlush = false
        }
        var releaseError: Error?
        if !toRelease.isEmpty {
            finalizerExpectations.expect(key, toRelease.map(\.uid))
            let results = await withTaskGroup(of: (String, Error?).self) { group -> [(String, Error?)] in
                for pod in toRelease {
                    group.addTask { [self] in
                        do { try await removeTrackingFinalizer(pod); return (pod.uid, nil) } catch { return (pod.uid, error) }
                    }
                }
                var out: [(String, Error?)] = []
                for await r in group { out.append(r) }
                return out
            }
            for (uid, error) in results {
                if let error {
                    finalizerExpectations.observed(key, uid: uid)
                    if releaseError == nil { releaseError = error }
                } else {
                    withFinalizer.remove(uid)
                }
            }
        }
        if Self.cleanUncounted(&ctx.status, withFinalizer: withFinalizer) { needsFlush = true }
        if let releaseError {
            if needsFlush { ctx.job = try await updateStatus(ctx.job, ctx.status) }
            throw releaseError
        }
        let jobFinished = !reachedMax && enactFinished(&ctx)
        if jobFinished { needsFlush = true }
        if needsFlush {
            ctx.job = try await updateStatus(ctx.job, ctx.status)
            if jobFinished, let f = ctx.finished { recordFinished(ctx.job, f) }
        }
    }

    /// The pod's finalizer may go: the Job is being deleted or finished, the pod succeeded, or it failed
    /// and is not the one whose failure count its index's replacement still has to inherit (upstream's
    /// `canRemoveFinalizer`).
    func canRemoveFinalizer(_ ctx: JobSyncContext, _ pod: JSON, considerFailed: Bool) -> Bool {
        if ctx.job.isBeingDeleted || ctx.finished != nil || PodState.phase(pod) == "Succeeded" { return true }
        guard considerFailed else { return false }
        if let i = JobFacts.completionIndex(pod), let delayed = ctx.delayedDeletion[i], delayed.uid == pod.uid { return false }
        return true
    }

    /// Moves UIDs whose pods no longer hold the finalizer from `uncountedTerminatedPods` to the counters
    /// (upstream's `cleanUncountedPodsWithoutFinalizers`).
    static func cleanUncounted(_ status: inout JobStatusValue, withFinalizer: Set<String>) -> Bool {
        var changed = false
        let s = status.uncountedSucceeded.filter(withFinalizer.contains)
        if s.count != status.uncountedSucceeded.count {
            status.succeeded += status.uncountedSucceeded.count - s.count
            status.uncountedSucceeded = s
            changed = true
        }
        let f = status.uncountedFailed.filter(withFinalizer.contains)
        if f.count != status.uncountedFailed.count {
            status.failed += status.uncountedFailed.count - f.count
            status.uncountedFailed = f
            changed = true
        }
        return changed
    }

    /// Sets Complete or Failed once no pod is left uncounted or terminating (upstream's `enactJobFinished`).
    func enactFinished(_ ctx: inout JobSyncContext) -> Bool {
        guard let f = ctx.finished else { return false }
        if !ctx.status.uncountedSucceeded.isEmpty || !ctx.status.uncountedFailed.isEmpty { return false }
        if ctx.status.terminating > 0 { return false }
        ctx.status.ensureCondition(f)
        if f.type == "Complete" { ctx.status.completionTime = RFC3339.time(f.time) }
        return true
    }

    func recordFinished(_ job: JSON, _ f: JobCondition) {
        if f.type == "Complete" {
            if let completions = JobFacts.completions(job), Int(job.integer(at: ["status", "succeeded"])) > completions {
                recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "TooManySucceededPods",
                               "Too many succeeded pods running after completion count reached")
            }
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "Completed", "Job completed")
        } else {
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .warning, f.reason, f.message)
        }
    }

    /// Writes the status through `/status`, guarded by the resourceVersion it was computed from: a
    /// conflict means the cache was stale, and the sync is retried.
    func updateStatus(_ job: JSON, _ status: JobStatusValue) async throws -> JSON {
        var next = job
        next["status"] = status.json
        if Semantic.equal(job["status"], next["status"]) { return job }
        return try await client.update(.jobs.inNamespace(job.namespace), next, subresource: "status")
    }
}
