import APIMachinery
import Client
import Foundation
import Logging

/// Deletes pods nothing else will (upstream's `pod-garbage-collector-controller`), every 20 seconds:
/// - finished pods beyond `--terminated-pod-gc-threshold`, oldest first;
/// - pods bound to a node that no longer exists (after the node stayed missing for a 40 s quarantine and
///   a live check), marked Failed with a `DisruptionTarget` condition first;
/// - pods being deleted that were never scheduled (no kubelet will finish them).
public final class PodGCController: Sendable {
    static let gcCheckPeriod: Duration = .seconds(20)
    static let quarantine: TimeInterval = 40

    let client: KubeClient
    let pods: Informer
    let nodes: Informer
    let terminatedPodThreshold: Int
    let clock: WallClock
    let logger: Logger
    /// When each missing node was first noticed missing.
    let missingSince = MissingNodes()

    public init(client: KubeClient, informers: SharedInformers, terminatedPodThreshold: Int = 12500,
                clock: WallClock = WallClock(), logger: Logger = Logger(label: "pod-garbage-collector")) {
        self.client = client
        self.terminatedPodThreshold = terminatedPodThreshold
        self.clock = clock
        self.logger = logger
        pods = informers.informer(.pods)
        nodes = informers.informer(.nodes)
    }

    public func run() async {
        guard await pods.waitForSync(), await nodes.waitForSync() else { return }
        while !Task.isCancelled {
            await gc()
            do { try await clock.clock.sleep(for: Self.gcCheckPeriod) } catch { return }
        }
    }

    /// One pass over the caches.
    func gc() async {
        let all = pods.store.list()
        if terminatedPodThreshold > 0 { await gcTerminated(all) }
        await gcOrphaned(all)
        await gcUnscheduledTerminating(all)
    }

    static func isTerminated(_ pod: JSON) -> Bool {
        let phase = PodState.phase(pod)
        return phase == "Succeeded" || phase == "Failed"
    }

    func gcTerminated(_ all: [JSON]) async {
        let terminated = all.filter { Self.isTerminated($0) && !$0.isBeingDeleted }
        let excess = terminated.count - terminatedPodThreshold
        guard excess > 0 else { return }
        logger.info("garbage collecting \(excess) terminated pods")
        let oldest = terminated.sorted { ($0.creationTimestamp ?? .distantPast, $0.name) < ($1.creationTimestamp ?? .distantPast, $1.name) }
        for pod in oldest.prefix(excess) { await markFailedAndDelete(pod, condition: nil) }
    }

    func gcOrphaned(_ all: [JSON]) async {
        let known = Set(nodes.store.list().map(\.name))
        let now = clock.now
        var deleting: Set<String> = []
        for pod in all {
            let node = PodState.nodeName(pod)
            guard !node.isEmpty, !known.contains(node) else { continue }
            let since = missingSince.firstSeen(node, now: now)
            guard now.timeIntervalSince(since) >= Self.quarantine else { continue }
            if !deleting.contains(node) {
                // The cache may lag: a node is gone only if the API says so.
                do {
                    _ = try await client.get(.nodes, node)
                    missingSince.forget(node)
                    continue
                } catch let e as APIError where e.code == 404 {
                    deleting.insert(node)
                } catch {
                    continue
                }
            }
            logger.info("garbage collecting pod \(pod.key) bound to node \(node), which no longer exists")
            await markFailedAndDelete(pod, condition: ["type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
                                                       "message": "PodGC: node no longer exists"])
        }
        missingSince.retain(Set(all.map(PodState.nodeName)).subtracting(known))
    }

    func gcUnscheduledTerminating(_ all: [JSON]) async {
        for pod in all where pod.isBeingDeleted && PodState.nodeName(pod).isEmpty {
            logger.info("garbage collecting unscheduled terminating pod \(pod.key)")
            await markFailedAndDelete(pod, condition: nil)
        }
    }

    /// A pod not yet finished is first marked Failed (with `condition`), then deleted at once.
    func markFailedAndDelete(_ pod: JSON, condition: JSON?) async {
        let path = ResourcePath.pods.inNamespace(pod.namespace)
        do {
            if !Self.isTerminated(pod) {
                var status: JSON = ["phase": "Failed"]
                if var condition {
                    condition["lastTransitionTime"] = .string(RFC3339.time(clock.now))
                    var conditions = (pod[path: ["status", "conditions"]]?.array ?? []).filter { $0["type"]?.string != "DisruptionTarget" }
                    conditions.append(condition)
                    status["conditions"] = .array(conditions)
                }
                try await client.patch(path, pod.name, ["status": status], subresource: "status")
            }
            try await client.delete(path, pod.name, options: ["gracePeriodSeconds": 0])
        } catch let e as APIError where e.code == 404 {
            return
        } catch {
            logger.warning("cannot garbage collect pod \(pod.key): \(error)")
        }
    }
}

import Synchronization

/// Nodes pods are bound to that the cache does not show, with when each was first noticed.
final class MissingNodes: Sendable {
    private let seen = Mutex<[String: Date]>([:])

    func firstSeen(_ node: String, now: Date) -> Date {
        seen.withLock { s in
            if let t = s[node] { return t }
            s[node] = now
            return now
        }
    }

    func forget(_ node: String) { _ = seen.withLock { $0.removeValue(forKey: node) } }

    func retain(_ nodes: Set<String>) { seen.withLock { s in s = s.filter { nodes.contains($0.key) } } }
}
