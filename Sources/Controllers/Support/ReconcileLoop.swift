import Client
import Logging

/// One controller's reconcile function: given a key, make the world match the spec of the object it
/// names, reading the informer caches. Level-triggered: it must not depend on which event queued the
/// key, and running it again must be harmless.
protocol Reconciler: Sendable {
    func reconcile(_ key: String) async throws
}

/// Runs `workers` tasks that take keys from `queue` and reconcile them (client-go's
/// `processNextWorkItem` loop). A failure is retried with the queue's per-key backoff up to
/// `maxRetries` times, then dropped until the next event for the key, as upstream controllers do.
struct ReconcileLoop: Sendable {
    let name: String
    let queue: WorkQueue<String>
    let reconciler: any Reconciler
    let maxRetries: Int
    let logger: Logger

    init(name: String, queue: WorkQueue<String>, reconciler: any Reconciler, maxRetries: Int = 15, logger: Logger) {
        self.name = name
        self.queue = queue
        self.reconciler = reconciler
        self.maxRetries = maxRetries
        self.logger = logger
    }

    /// Waits for `informers` to sync, then works until cancelled; the queue is shut down on the way out.
    func run(workers: Int, informers: [Informer]) async {
        let queue = self.queue
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
                if queue.numRequeues(key) < maxRetries {
                    logger.debug("\(name) controller: error syncing \(key), retrying: \(error)")
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
