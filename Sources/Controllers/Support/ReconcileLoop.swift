import APIMachinery
import Client
import Logging

/// One controller's reconcile function: given a key, make the world match the spec of the object it
/// names, reading the informer caches. Level-triggered: it must not depend on which event queued the
/// key, and running it again must be harmless.
protocol Reconciler: Sendable {
    func reconcile(_ key: String) async throws
}

/// Runs `workers` tasks that take keys from `queue` and reconcile them (client-go's
/// `processNextWorkItem` loop). A success forgets the key's backoff; a failure requeues it with the
/// queue's rate limiter (per key 5ms doubling up to 1000s, and 10 retries a second overall), so a sync
/// that keeps failing — pods refused by PodSecurity or a quota — is retried ever more slowly instead of
/// hammering the API server.
///
/// Controllers differ on giving up, as upstream's do: most (Deployment, endpoints, ...) drop a key after
/// `maxRetries` failures until the next event for it; the workload controllers whose objects only heal by
/// retrying (ReplicaSet, StatefulSet, DaemonSet, Job) pass `maxRetries: nil` and retry for as long as it
/// fails, the backoff staying at its 1000s cap.
struct ReconcileLoop: Sendable {
    /// The default number of retries before a key is dropped (upstream's `maxRetries` of 15).
    static let defaultMaxRetries = 15

    let name: String
    let queue: WorkQueue<String>
    let reconciler: any Reconciler
    /// Failures retried before the key is dropped; nil retries forever.
    let maxRetries: Int?
    let logger: Logger

    init(name: String, queue: WorkQueue<String>, reconciler: any Reconciler, maxRetries: Int? = defaultMaxRetries, logger: Logger) {
        self.name = name
        self.queue = queue
        self.reconciler = reconciler
        self.maxRetries = maxRetries
        self.logger = logger
    }

    /// Waits for `informers` to sync, then works until cancelled; the queue is shut down on the way out.
    func run(workers: Int, informers: [Informer]) async {
        let queue = self.queue
        if let provider = WorkQueueNames.provider {
            queue.instrument(name: WorkQueueNames.metricsName(forLoop: name), provider: provider)
        }
        await withTaskCancellationHandler {
            for informer in informers {
                guard await informer.waitForSync() else { return }
            }
            logger.debug("\(name) controller: caches synced, starting \(workers) workers")
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<max(1, workers) {
                    group.addTask { await self.work() }
                }
            }
        } onCancel: {
            queue.shutDown()
        }
    }

    private func work() async {
        while let key = await queue.get() {
            do {
                try await reconciler.reconcile(key)
                queue.forget(key)
            } catch {
                if maxRetries.map({ queue.numRequeues(key) < $0 }) ?? true {
                    // A refusal by authorization is no passing conflict: the controller asked for more than
                    // its role grants (docs/authorization.md), so it shows at the default level (upstream
                    // logs every sync error there).
                    if let e = error as? APIError, e.code == 403 {
                        logger.warning("\(name) controller: error syncing \(key), retrying: \(error)")
                    } else {
                        logger.debug("\(name) controller: error syncing \(key), retrying: \(error)")
                    }
                    queue.addRateLimited(key)
                } else {
                    logger.warning("\(name) controller: dropping \(key) out of the queue: \(error)")
                    queue.forget(key)
                }
            }
            queue.done(key)
        }
    }
}
