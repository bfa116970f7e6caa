import APIMachinery
import Client
import Foundation
import Synchronization

extension JobController {
    struct ManageOutcome {
        var active: Int
        var removed = 0
        var removedReady = 0
        var error: Error?
    }

    /// How many pods should run now (upstream's `manageJob`'s target): `parallelism`, but never more than
    /// the completions still missing; a Job without completions keeps whatever runs once one pod succeeded.
    static func wantActive(job: JSON, active: Int, succeeded: Int) -> Int {
        let parallelism = JobFacts.parallelism(job)
        guard let completions = JobFacts.completions(job) else {
            return succeeded > 0 ? active : parallelism
        }
        return max(0, min(completions - succeeded, parallelism))
    }

    /// The lowest indexes neither succeeded, nor failed for good, nor held by an active pod — nor, when only
    /// failed pods are replaced, by a terminating one (upstream's `firstPendingIndexes`).
    static func firstPendingIndexes(job: JSON, active: [JSON], succeeded: CompletedIndexes, count: Int,
                                    failed: CompletedIndexes? = nil, terminating: [JSON] = []) -> [Int] {
        let completions = JobFacts.completions(job) ?? 0
        var taken = Set(active.compactMap { JobFacts.validIndex($0, job) })
        if JobFacts.onlyReplaceFailedPods(job) { taken.formUnion(terminating.compactMap { JobFacts.validIndex($0, job) }) }
        if let failed { taken.formUnion(failed.indexes) }
        var out: [Int] = []
        var i = 0
        while out.count < count && i < completions {
            if !taken.contains(i) && !succeeded.contains(i) { out.append(i) }
            i += 1
        }
        return out
    }

    /// Active pods to remove first: for an Indexed Job, pods without a valid index and all but one pod of
    /// each index; then the cheapest to lose, until `atLeast` (upstream's `activePodsForRemoval`).
    func activePodsForRemoval(_ job: JSON, _ pods: [JSON], atLeast: Int) -> [JSON] {
        var remove: [JSON] = []
        var left: [JSON] = []
        if JobFacts.isIndexed(job) {
            var seen = Set<Int>()
            for p in pods.sorted(by: { ($0.creationTimestamp ?? .distantPast) < ($1.creationTimestamp ?? .distantPast) }) {
                guard let i = JobFacts.validIndex(p, job), !seen.contains(i) else {
                    remove.append(p)
                    continue
                }
                seen.insert(i)
                left.append(p)
            }
        } else {
            left = pods
        }
        if remove.count < atLeast {
            let ordered = ActivePodsOrdering(now: clock.now).sorted(left, related: pods)
            remove += ordered.prefix(atLeast - remove.count)
        }
        return remove
    }

    func manageJob(_ ctx: inout JobSyncContext, terminating: Int) async -> ManageOutcome {
        let job = ctx.job, key = job.key
        let active = ctx.activePods.count
        if JobFacts.isSuspended(job) {
            let victims = activePodsForRemoval(job, ctx.activePods, atLeast: active)
            let (ready, removed, error) = await deleteJobPods(job, victims)
            return ManageOutcome(active: active - removed, removed: removed, removedReady: ready, error: error)
        }
        let want = Self.wantActive(job: job, active: active, succeeded: ctx.succeeded)
        var victims = activePodsForRemoval(job, ctx.activePods, atLeast: max(0, active - want))
        if victims.count > Self.maxPodCreateDeletePerSync { victims = Array(victims.prefix(Self.maxPodCreateDeletePerSync)) }
        if !victims.isEmpty {
            logger.debug("too many pods running for job \(key): deleting \(victims.count), target \(want)")
            let (ready, removed, error) = await deleteJobPods(job, victims)
            return ManageOutcome(active: active - removed, removed: removed, removedReady: ready, error: error)
        }
        let replacing = JobFacts.onlyReplaceFailedPods(job) ? terminating : 0
        var diff = want - replacing - active
        guard diff > 0 else { return ManageOutcome(active: active) }
        // With backoffLimitPerIndex every index backs off on its own, below; otherwise the Job as a whole.
        let wait = JobFacts.hasBackoffLimitPerIndex(job) ? 0 : JobBackoff.remaining(ctx.newBackoff, now: ctx.now)
        if wait > 0 {
            logger.debug("job \(key): waiting \(wait)s of back-off before creating pods")
            queue.addAfter(key, .milliseconds(Int64((wait * 1000).rounded(.up))))
            return ManageOutcome(active: active)
        }
        diff = min(diff, Self.maxPodCreateDeletePerSync)
        var indexes: [Int] = []
        if JobFacts.isIndexed(job) {
            indexes = Self.firstPendingIndexes(job: job, active: ctx.activePods, succeeded: ctx.succeededIndexes, count: diff,
                                               failed: ctx.failedIndexes, terminating: ctx.pods.filter(JobFacts.isTerminating))
            if JobFacts.hasBackoffLimitPerIndex(job) {
                let (ready, wait) = JobIndexFailures.creatable(indexes, delayed: ctx.delayedDeletion, now: ctx.now)
                if wait > 0 {
                    logger.debug("job \(key): waiting \(wait)s of an index's back-off before creating pods")
                    queue.addAfter(key, .milliseconds(Int64((wait * 1000).rounded(.up))))
                    return ManageOutcome(active: active)
                }
                indexes = ready
            }
            diff = indexes.count
        }
        guard diff > 0 else { return ManageOutcome(active: active) }
        expectations.expectCreations(key, diff)
        logger.debug("too few pods running for job \(key): need \(want), creating \(diff)")
        let pending = PendingIndexes(indexes)
        let delayed = ctx.delayedDeletion
        let perIndex = JobFacts.hasBackoffLimitPerIndex(job)
        let (created, error) = await SlowStart.run(count: diff) { [self] in
            let index = pending.next()
            let counts = perIndex ? index.map { JobIndexFailures.newFailureCounts(job, replacing: delayed[$0]) } : nil
            try await createPod(job, index: index, failureCounts: counts)
        }
        for _ in 0..<(diff - created) { expectations.creationObserved(key) }
        return ManageOutcome(active: active + created, error: error)
    }

    /// A pod for `job`: its template with the tracking finalizer, and for an Indexed Job the completion
    /// index as annotation, label, hostname `NAME-INDEX`, JOB_COMPLETION_INDEX and name prefix `NAME-INDEX-`;
    /// with backoffLimitPerIndex, the index's failures so far (`failureCounts`) as annotations.
    static func pod(for job: JSON, index: Int?, failureCounts: (counted: Int, ignored: Int)? = nil) throws -> JSON {
        var pod = try PodTemplate.pod(from: job, kind: kind, apiVersion: apiVersion)
        var finalizers = pod[path: ["metadata", "finalizers"]]?.array ?? []
        if !finalizers.contains(.string(JobFacts.trackingFinalizer)) { finalizers.append(.string(JobFacts.trackingFinalizer)) }
        pod[path: ["metadata", "finalizers"]] = .array(finalizers)
        guard JobFacts.isIndexed(job) else { return pod }
        for key in ["initContainers", "containers"] {
            guard let containers = pod[path: ["spec", key]]?.array else { continue }
            pod[path: ["spec", key]] = .array(containers.map { c in
                var c = c
                var env = c["env"]?.array ?? []
                if !env.contains(where: { $0["name"]?.string == JobFacts.completionIndexEnv }) {
                    env.append(["name": .string(JobFacts.completionIndexEnv),
                                "valueFrom": ["fieldRef": ["apiVersion": "v1", "fieldPath": .string("metadata.annotations['\(JobFacts.completionIndexKey)']")]]])
                }
                c["env"] = .array(env)
                return c
            })
        }
        guard let index else { return pod }
        pod[path: ["metadata", "annotations", JobFacts.completionIndexKey]] = .string(String(index))
        pod[path: ["metadata", "labels", JobFacts.completionIndexKey]] = .string(String(index))
        pod[path: ["spec", "hostname"]] = .string("\(job.name)-\(index)")
        pod[path: ["metadata", "generateName"]] = .string(generateNameWithIndex(job.name, index))
        if let failureCounts {
            pod[path: ["metadata", "annotations", JobFacts.indexFailureCountKey]] = .string(String(failureCounts.counted))
            if failureCounts.ignored > 0 {
                pod[path: ["metadata", "annotations", JobFacts.indexIgnoredFailureCountKey]] = .string(String(failureCounts.ignored))
            }
        }
        return pod
    }

    /// `NAME-INDEX-`, with the Job's name cut so that the prefix leaves room for the random suffix.
    static func generateNameWithIndex(_ name: String, _ index: Int) -> String {
        let suffix = "-\(index)-"
        let maxPrefix = 63 - 5
        if name.count + suffix.count > maxPrefix { return String(name.prefix(maxPrefix - suffix.count)) + suffix }
        return name + suffix
    }

    func createPod(_ job: JSON, index: Int?, failureCounts: (counted: Int, ignored: Int)? = nil) async throws {
        let pod = try Self.pod(for: job, index: index, failureCounts: failureCounts)
        do {
            let created = try await client.create(.pods.inNamespace(job.namespace), pod)
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "SuccessfulCreate", "Created pod: \(created.name)")
        } catch {
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "FailedCreate", "Error creating: \(error)")
            throw error
        }
    }

    /// Deletes pods the Job no longer wants (too many, suspended): their finalizer goes first, since they
    /// are not failures to count (upstream's `deleteJobPods`). Returns (ready deleted, deleted, error).
    func deleteJobPods(_ job: JSON, _ victims: [JSON]) async -> (Int, Int, Error?) {
        guard !victims.isEmpty else { return (0, 0, nil) }
        let key = job.key
        expectations.expectDeletions(key, podKeys: victims.map(\.key))
        return await deletePods(job, victims) { [self] pod in
            do {
                if JobFacts.hasTrackingFinalizer(pod) { try await removeTrackingFinalizer(pod) }
                try await deletePod(job, pod)
                return nil
            } catch {
                expectations.deletionObserved(key, podKey: pod.key)
                if let e = error as? APIError, e.code == 404 { return nil }
                return error
            }
        }
    }

    /// Deletes every active pod of a Job that failed; they are counted as failed (upstream's `deleteActivePods`).
    func deleteActivePods(_ job: JSON, _ victims: [JSON]) async -> (Int, Int, Error?) {
        await deletePods(job, victims) { [self] pod in
            do {
                try await deletePod(job, pod)
                return nil
            } catch let e as APIError where e.code == 404 {
                return nil
            } catch {
                return error
            }
        }
    }

    private func deletePods(_ job: JSON, _ victims: [JSON], _ one: @escaping @Sendable (JSON) async -> Error?) async -> (Int, Int, Error?) {
        await withTaskGroup(of: (Bool, Error?).self) { group in
            for pod in victims {
                group.addTask { (PodState.isReady(pod), await one(pod)) }
            }
            var ready = 0, deleted = 0
            var first: Error?
            for await (wasReady, error) in group {
                if let error {
                    if first == nil { first = error }
                } else {
                    deleted += 1
                    if wasReady { ready += 1 }
                }
            }
            return (ready, deleted, first)
        }
    }

    func deletePod(_ job: JSON, _ pod: JSON) async throws {
        do {
            try await client.delete(.pods.inNamespace(pod.namespace), pod.name)
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .normal, "SuccessfulDelete", "Deleted pod: \(pod.name)")
        } catch let e as APIError where e.code == 404 {
            throw e
        } catch {
            recorder.event(job, kind: Self.kind, apiVersion: Self.apiVersion, .warning, "FailedDelete", "Error deleting: \(error)")
            throw error
        }
    }
}

/// The completion indexes a batch of pod creations hands out, one per created pod.
final class PendingIndexes: Sendable {
    private let indexes: Mutex<[Int]>
    init(_ indexes: [Int]) { self.indexes = Mutex(indexes) }
    func next() -> Int? { indexes.withLock { $0.isEmpty ? nil : $0.removeFirst() } }
}
