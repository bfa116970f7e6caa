import APIMachinery
import Client
import Foundation
import Logging

/// Deletes finished Jobs `ttlSecondsAfterFinished` after they finished (upstream's
/// `ttl-after-finished-controller`), in the foreground so their pods go first. A Job not yet due is queued
/// again for the moment it is.
public final class TTLAfterFinishedController: Reconciler, Sendable {
    let client: KubeClient
    let jobs: Informer
    let queue: WorkQueue<String>
    let clock: WallClock
    let logger: Logger

    public init(client: KubeClient, informers: SharedInformers, clock: WallClock = WallClock(),
                logger: Logger = Logger(label: "ttl-after-finished-controller")) {
        self.client = client
        self.clock = clock
        self.logger = logger
        queue = WorkQueue<String>(clock: clock.clock)
        jobs = informers.informer(.jobs)
        jobs.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] job, _ in self?.enqueueIfNeeded(job) },
            onUpdate: { [weak self] _, job in self?.enqueueIfNeeded(job) }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "ttlafterfinished", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [jobs])
    }

    func enqueueIfNeeded(_ job: JSON) {
        if !job.isBeingDeleted && Self.needsCleanup(job) { queue.add(job.key) }
    }

    /// A TTL is set and the Job is finished.
    static func needsCleanup(_ job: JSON) -> Bool {
        job[path: ["spec", "ttlSecondsAfterFinished"]]?.int != nil && JobFacts.isFinished(job)
    }

    /// When the Job may be deleted: its Complete or Failed condition's transition time plus the TTL.
    static func expireTime(_ job: JSON) -> Date? {
        guard needsCleanup(job), let ttl = job[path: ["spec", "ttlSecondsAfterFinished"]]?.int else { return nil }
        for c in job[path: ["status", "conditions"]]?.array ?? [] {
            let type = c["type"]?.string
            if (type == "Complete" || type == "Failed") && c["status"]?.string == "True",
               let at = c["lastTransitionTime"]?.string.flatMap(RFC3339.parse) {
                return at.addingTimeInterval(Double(ttl))
            }
        }
        return nil
    }

    /// nil when the Job should be deleted now; otherwise queues it for later (or not at all).
    func expired(_ job: JSON) -> Bool {
        guard !job.isBeingDeleted, let expireAt = Self.expireTime(job) else { return false }
        let left = clock.until(expireAt)
        if left > .zero {
            queue.addAfter(job.key, left)
            return false
        }
        return true
    }

    public func reconcile(_ key: String) async throws {
        guard let job = jobs.store.get(key), expired(job) else { return }
        // The cached TTL may be stale: decide again on the live object before deleting.
        let fresh: JSON
        do {
            fresh = try await client.get(.jobs.inNamespace(job.namespace), job.name)
        } catch let e as APIError where e.code == 404 {
            return
        }
        guard expired(fresh) else { return }
        logger.debug("cleaning up job \(key): its TTL after finishing expired")
        do {
            try await client.delete(.jobs.inNamespace(fresh.namespace), fresh.name,
                                    options: ["propagationPolicy": "Foreground", "preconditions": ["uid": .string(fresh.uid)]])
        } catch let e as APIError where e.code == 404 || e.code == 409 {
            return
        }
    }
}
