import APIMachinery
import Client
import Foundation
import Logging

/// Creates a Job for each time a CronJob's schedule comes due (upstream's `cronjob-controller`, the v2
/// controller): each CronJob's key is queued again for exactly its next scheduled time (plus 100 ms), so a
/// Job is made within moments of the minute it is due, never by polling.
public final class CronJobController: Reconciler, Sendable {
    static let kind = "CronJob"
    static let apiVersion = "batch/v1"
    /// Upstream's `nextScheduleDelta`: wake a little after the scheduled time, never just before it.
    static let nextScheduleDelta: TimeInterval = 0.1
    static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    let client: KubeClient
    let cronJobs: Informer
    let jobs: Informer
    let queue: WorkQueue<String>
    let recorder: EventRecorder
    let clock: WallClock
    let logger: Logger

    public convenience init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, logger: Logger = Logger(label: "cronjob-controller")) {
        self.init(client: client, informers: informers, recorder: recorder, clock: WallClock(), logger: logger)
    }

    /// With the time schedules are computed and waited on by (tests pass a manual clock).
    init(client: KubeClient, informers: SharedInformers, recorder: EventRecorder, clock: WallClock,
         logger: Logger = Logger(label: "cronjob-controller")) {
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.logger = logger
        queue = WorkQueue<String>(clock: clock.clock)
        cronJobs = informers.informer(.cronjobs)
        jobs = informers.informer(.jobs)
        cronJobs.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] cj, _ in self?.queue.add(cj.key) },
            onUpdate: { [weak self] old, new in self?.cronJobUpdated(old: old, new: new) },
            onDelete: { [weak self] d in if let k = d.key { self?.queue.add(k) } }))
        jobs.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] job, _ in self?.jobChanged(job) },
            onUpdate: { [weak self] old, new in
                self?.jobChanged(new)
                if old.controllerRef != new.controllerRef { self?.jobChanged(old) }
            },
            onDelete: { [weak self] d in self?.jobChanged(d.object) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "cronjob", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [cronJobs, jobs])
    }

    /// Any change (a new schedule or time zone included) is synced at once; the sync computes the next
    /// wake-up afresh, and an earlier `addAfter` only ever moves a pending wake-up earlier.
    func cronJobUpdated(old: JSON, new: JSON) {
        queue.add(new.key)
    }

    func jobChanged(_ job: JSON) {
        guard let ref = job.controllerRef, ref.kind == Self.kind, ref.group == "batch",
              let cj = cronJobs.store.get(namespace: job.namespace, name: ref.name), cj.uid == ref.uid else { return }
        queue.add(cj.key)
    }

    // MARK: Sync

    public func reconcile(_ key: String) async throws {
        guard let cronJob = cronJobs.store.get(key) else { return }
        let children = ((try? jobs.store.byIndex(Indexer.namespaceIndex, cronJob.namespace)) ?? []).filter {
            guard let ref = $0.controllerRef else { return false }
            return ref.kind == Self.kind && ref.name == cronJob.name
        }
        var status = cronJob["status"] ?? [:]
        let cleaned = await cleanupFinishedJobs(cronJob, children, &status)
        let outcome = try await syncCronJob(cronJob, children, &status)
        if cleaned || outcome.updateStatus {
            var next = cronJob
            next["status"] = status
            if !Semantic.equal(next["status"], cronJob["status"]) {
                try await client.update(.cronjobs.inNamespace(cronJob.namespace), next, subresource: "status")
            }
        }
        if let after = outcome.requeueAfter {
            queue.addAfter(key, .milliseconds(Int64((after * 1000).rounded(.up))))
        }
        if let error = outcome.error { throw error }
    }

    struct SyncOutcome {
        var requeueAfter: TimeInterval?
        var updateStatus = false
        var error: Error?
    }

    func event(_ cj: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(cj, kind: Self.kind, apiVersion: Self.apiVersion, type, reason, message)
    }

    /// The CronJob's schedule, in its time zone.
    static func schedule(_ cj: JSON) throws -> CronExpression {
        var tz = TimeZone(identifier: "UTC")!
        if let name = cj[path: ["spec", "timeZone"]]?.string {
            guard let zone = TimeZone(identifier: name) else {
                throw CronExpression.ParseError(description: "unknown time zone \(name)")
            }
            tz = zone
        }
        return try CronExpression(parsing: cj[path: ["spec", "schedule"]]?.string ?? "", timeZone: tz)
    }

    /// Upstream's `syncCronJob`: reconcile `status.active` with the Jobs, then start the Job due now.
    func syncCronJob(_ cj: JSON, _ children: [JSON], _ status: inout JSON) async throws -> SyncOutcome {
        let now = clock.now
        var outcome = SyncOutcome()
        var active = status["active"]?.array ?? []
        let childUIDs = Set(children.map(\.uid))
        for job in children {
            let inActive = active.contains { $0["uid"]?.string == job.uid }
            let finished = JobFacts.finishedType(job)
            if !inActive && finished == nil {
                let live = try await client.get(.cronjobs.inNamespace(cj.namespace), cj.name)
                if (live[path: ["status", "active"]]?.array ?? []).contains(where: { $0["uid"]?.string == job.uid }) {
                    active = live[path: ["status", "active"]]?.array ?? []
                    status = live["status"] ?? status
                    continue
                }
                event(cj, .warning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: \(job.name)")
            } else if inActive, let finished {
                active.removeAll { $0["uid"]?.string == job.uid }
                event(cj, .normal, "SawCompletedJob", "Saw completed job: \(job.name), condition: \(finished)")
                outcome.updateStatus = true
            }
            if finished == "Complete", let done = job[path: ["status", "completionTime"]]?.string, let doneAt = RFC3339.parse(done) {
                let last = status["lastSuccessfulTime"]?.string.flatMap(RFC3339.parse)
                if last == nil || doneAt > last! {
                    status["lastSuccessfulTime"] = .string(done)
                    outcome.updateStatus = true
                }
            }
        }
        // Active Jobs that no longer exist (checked against the API, not a lagging cache) are dropped.
        for ref in active where !childUIDs.contains(ref["uid"]?.string ?? "") {
            let name = ref["name"]?.string ?? ""
            do {
                _ = try await client.get(.jobs.inNamespace(cj.namespace), name)
            } catch let e as APIError where e.code == 404 {
                event(cj, .normal, "MissingJob", "Active job went missing: \(name)")
                active.removeAll { $0["uid"] == ref["uid"] }
                outcome.updateStatus = true
            }
        }
        status["active"] = active.isEmpty ? nil : .array(active)

        if cj.isBeingDeleted { return outcome }
        if let tzName = cj[path: ["spec", "timeZone"]]?.string, TimeZone(identifier: tzName) == nil {
            event(cj, .warning, "UnknownTimeZone", "invalid timeZone: \"\(tzName)\": unknown time zone \(tzName)")
            return outcome
        }
        if cj[path: ["spec", "suspend"]]?.bool == true { return outcome }
        let sched: CronExpression
        do {
            sched = try Self.schedule(cj)
        } catch {
            event(cj, .warning, "UnparseableSchedule", "unparseable schedule: \"\(cj[path: ["spec", "schedule"]]?.string ?? "")\" : \(error)")
            return outcome
        }
        let timing = CronTiming(schedule: sched, creation: cj.creationTimestamp ?? now,
                                lastSchedule: status["lastScheduleTime"]?.string.flatMap(RFC3339.parse),
                                startingDeadlineSeconds: cj[path: ["spec", "startingDeadlineSeconds"]]?.int)
        let due: Date?
        do {
            due = try timing.nextScheduleTime(now: now) { [self] in
                event(cj, .warning, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
            }
        } catch {
            event(cj, .warning, "InvalidSchedule", "invalid schedule: \(cj[path: ["spec", "schedule"]]?.string ?? "") : \(error)")
            return outcome
        }
        guard let scheduled = due else {
            outcome.requeueAfter = timing.nextDelay(now: now)
            return outcome
        }
        if let deadline = timing.startingDeadlineSeconds, scheduled.addingTimeInterval(Double(deadline)) < now {
            event(cj, .warning, "MissSchedule", "Missed scheduled time to start a job: \(Self.rfc1123Z(scheduled))")
            outcome.requeueAfter = timing.nextDelay(now: now)
            return outcome
        }
        let jobName = Self.jobName(cj.name, scheduled)
        if active.contains(where: { $0["name"]?.string == jobName }) || timing.lastSchedule == scheduled {
            outcome.requeueAfter = timing.nextDelay(now: now)
            return outcome
        }
        let policy = cj[path: ["spec", "concurrencyPolicy"]]?.string ?? "Allow"
        if policy == "Forbid" && !active.isEmpty {
            event(cj, .normal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
            outcome.requeueAfter = timing.nextDelay(now: now)
            return outcome
        }
        if policy == "Replace" {
            for ref in active {
                let name = ref["name"]?.string ?? ""
                let job: JSON
                do {
                    job = try await client.get(.jobs.inNamespace(cj.namespace), name)
                } catch {
                    event(cj, .warning, "FailedGet", "Get job: \(error)")
                    outcome.error = error
                    return outcome
                }
                guard await deleteJob(cj, job, &status) else {
                    outcome.error = APIError.internalError("could not replace job \(cj.namespace)/\(name)")
                    return outcome
                }
                outcome.updateStatus = true
            }
            active = status["active"]?.array ?? []
        }
        let request = Self.job(from: cj, scheduled: scheduled)
        let created: JSON
        do {
            created = try await client.create(.jobs.inNamespace(cj.namespace), request)
            event(cj, .normal, "SuccessfulCreate", "Created job \(created.name)")
        } catch let e as APIError where e.code == 409 {
            // Made by an earlier sync whose status write was lost: the name is the lock.
            let existing = try await client.get(.jobs.inNamespace(cj.namespace), jobName)
            guard existing.controllerRef?.uid == cj.uid else {
                outcome.error = APIError.internalError("job \(jobName) already exists and is not owned by cronjob \(cj.namespace)/\(cj.name)")
                return outcome
            }
            created = existing
        } catch {
            event(cj, .warning, "FailedCreate", "Error creating job: \(error)")
            outcome.error = error
            return outcome
        }
        if !active.contains(where: { $0["uid"]?.string == created.uid }) {
            active.append(["kind": "Job", "namespace": .string(created.namespace), "name": .string(created.name),
                           "uid": .string(created.uid), "apiVersion": "batch/v1", "resourceVersion": .string(created.resourceVersion)])
        }
        status["active"] = .array(active)
        status["lastScheduleTime"] = .string(RFC3339.time(scheduled))
        outcome.updateStatus = true
        let timingAfter = CronTiming(schedule: sched, creation: timing.creation, lastSchedule: scheduled,
                                     startingDeadlineSeconds: timing.startingDeadlineSeconds)
        outcome.requeueAfter = timingAfter.nextDelay(now: now)
        return outcome
    }

    /// `NAME-<scheduled time in minutes since the epoch>`: one name per scheduled time, so a Job is never
    /// made twice for it.
    static func jobName(_ cronJob: String, _ scheduled: Date) -> String {
        "\(cronJob)-\(Int64(scheduled.timeIntervalSince1970) / 60)"
    }

    /// The Job for `scheduled` from the CronJob's template (upstream's `getJobFromTemplate2`).
    static func job(from cj: JSON, scheduled: Date) -> JSON {
        let template = cj[path: ["spec", "jobTemplate"]] ?? [:]
        var meta: JSON = ["name": .string(jobName(cj.name, scheduled)), "namespace": .string(cj.namespace),
                          "ownerReferences": [OwnerReference.controller(of: cj, apiVersion: apiVersion, kind: kind).json]]
        if let labels = template[path: ["metadata", "labels"]], !(labels.object ?? [:]).isEmpty { meta["labels"] = labels }
        var annotations = template[path: ["metadata", "annotations"]]?.object ?? [:]
        let tz = cj[path: ["spec", "timeZone"]]?.string.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
        annotations[scheduledTimestampAnnotation] = .string(rfc3339(scheduled, in: tz))
        meta["annotations"] = .object(annotations)
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template["spec"] ?? [:]]
    }

    /// Go's `time.RFC3339` of `date` in `tz`: `Z` for UTC, else the offset (`2024-03-10T02:00:00-05:00`).
    static func rfc3339(_ date: Date, in tz: TimeZone) -> String {
        Timestamp(date).rfc3339(offsetSeconds: tz.secondsFromGMT(for: date))
    }

    /// Go's `time.RFC1123Z` in UTC, as the MissSchedule event prints it.
    static func rfc1123Z(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }

    // MARK: History

    /// Deletes the oldest finished Jobs beyond the history limits (upstream's `cleanupFinishedJobs`).
    func cleanupFinishedJobs(_ cj: JSON, _ jobs: [JSON], _ status: inout JSON) async -> Bool {
        let successLimit = cj[path: ["spec", "successfulJobsHistoryLimit"]]?.int
        let failedLimit = cj[path: ["spec", "failedJobsHistoryLimit"]]?.int
        if successLimit == nil && failedLimit == nil { return false }
        var changed = false
        if let successLimit {
            changed = await removeOldest(cj, jobs.filter { JobFacts.finishedType($0) == "Complete" }, keep: Int(successLimit), &status) || changed
        }
        if let failedLimit {
            changed = await removeOldest(cj, jobs.filter { JobFacts.finishedType($0) == "Failed" }, keep: Int(failedLimit), &status) || changed
        }
        return changed
    }

    func removeOldest(_ cj: JSON, _ jobs: [JSON], keep: Int, _ status: inout JSON) async -> Bool {
        let excess = jobs.count - keep
        guard excess > 0 else { return false }
        // Oldest start first; Jobs that never started last; then by name.
        let sorted = jobs.sorted { a, b in
            let sa = a[path: ["status", "startTime"]]?.string.flatMap(RFC3339.parse)
            let sb = b[path: ["status", "startTime"]]?.string.flatMap(RFC3339.parse)
            switch (sa, sb) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.name < b.name
            }
        }
        var changed = false
        for job in sorted.prefix(excess) where await deleteJob(cj, job, &status) { changed = true }
        return changed
    }

    /// Deletes a Job (its pods in the background) and drops it from `status.active`.
    func deleteJob(_ cj: JSON, _ job: JSON, _ status: inout JSON) async -> Bool {
        do {
            try await client.delete(.jobs.inNamespace(job.namespace), job.name, options: ["propagationPolicy": "Background"])
        } catch let e as APIError where e.code == 404 {
            // Already gone: still drop it from the active list.
        } catch {
            event(cj, .warning, "FailedDelete", "Deleted job: \(error)")
            return false
        }
        var active = status["active"]?.array ?? []
        active.removeAll { $0["uid"]?.string == job.uid }
        status["active"] = active.isEmpty ? nil : .array(active)
        event(cj, .normal, "SuccessfulDelete", "Deleted job \(job.name)")
        return true
    }
}
