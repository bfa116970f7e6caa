import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// The running kube-scheduler: informers keep a `Snapshot` of nodes and assigned pods and feed unassigned
/// pods to the `SchedulingQueue`; one loop pops a pod, runs the framework over the snapshot, assumes the
/// result and hands the binding to a child task of `run()` (binding is off the scheduling path, as
/// upstream's binding cycle), so the next pod is scheduled while the API write is in flight. Events go
/// through an `EventBroadcaster`, whose buffer and writers are its own: recording one never holds a
/// binding's place.
public final class SchedulerService: Sendable {
    let client: KubeClient
    let logger: Logger
    let schedulerName: String
    let nodes: Informer
    let pods: Informer
    /// Claims, volumes and classes, for VolumeBinding.
    let claims: Informer
    let volumes: Informer
    let classes: Informer
    let queue: SchedulingQueue
    let state: Mutex<(snapshot: Snapshot, scheduler: Scheduler)>
    let events: EventBroadcaster
    let recorder: EventRecorder
    /// Bindings and failure reports in flight at once; the rest wait in line.
    let writes = ConcurrencyLimiter(limit: 64)
    /// Attempts, their latency and the queue's sizes, for `/metrics`. Passed in because it outlives this
    /// service: the metrics listener serves it whether or not this replica leads.
    public let metrics: SchedulerMetrics

    public init(client: KubeClient, schedulerName: String = PodView.defaultSchedulerName, metrics: SchedulerMetrics = SchedulerMetrics(),
                logger: Logger) {
        self.client = client
        self.metrics = metrics
        self.logger = logger
        self.schedulerName = schedulerName
        let claims = Informer(client: client, resource: .persistentvolumeclaims, logger: logger)
        let volumes = Informer(client: client, resource: .persistentvolumes, logger: logger)
        let classes = Informer(client: client, resource: .storageclasses, logger: logger)
        (self.claims, self.volumes, self.classes) = (claims, volumes, classes)
        let volumeBinding = VolumeBinding(listers: InformerVolumeListers(claims: claims, volumeInformer: volumes, classes: classes),
                                          writer: APIVolumeBindingWriter(client: client))
        let profile = SchedulerProfile.defaultProfile(schedulerName: schedulerName, volumeBinding: volumeBinding)
        queue = SchedulingQueue(pluginEvents: profile.pluginEvents)
        state = Mutex((Snapshot(), Scheduler(profile: profile)))
        nodes = Informer(client: client, resource: .nodes, logger: logger)
        // Finished pods hold no resources: upstream's scheduler does not watch them either.
        pods = Informer(client: client, resource: .pods, fieldSelector: "status.phase!=Succeeded,status.phase!=Failed", logger: logger)
        // An event per bound pod: several writers, so that events keep pace with 64 bindings in flight.
        events = EventBroadcaster(client: client, writers: 8, logger: logger)
        recorder = events.recorder(component: "default-scheduler")
    }

    /// Runs until cancelled.
    public func run() async {
        nodes.addHandler(InformerHandlerFunctions(
            onAdd: { [self] obj, _ in
                guard let n = try? NodeView(json: obj) else { return }
                state.withLock { $0.snapshot.addNode(n) }
                queue.moveAllToActiveOrBackoff(.nodeAdd)
            },
            onUpdate: { [self] old, new in
                guard let n = try? NodeView(json: new) else { return }
                state.withLock { $0.snapshot.updateNode(n) }
                if let o = try? NodeView(json: old), let ev = ClusterEvent.nodeUpdate(old: o, new: n) {
                    queue.moveAllToActiveOrBackoff(ev)
                }
            },
            onDelete: { [self] del in
                guard let name = del.object[path: ["metadata", "name"]]?.string else { return }
                state.withLock { $0.snapshot.removeNode(named: name) }
            }))
        pods.addHandler(InformerHandlerFunctions(
            onAdd: { [self] obj, _ in podChanged(obj) },
            onUpdate: { [self] _, new in podChanged(new, updated: true) },
            onDelete: { [self] del in
                guard let uid = del.object[path: ["metadata", "uid"]]?.string else { return }
                let wasAssigned = state.withLock { s -> Bool in
                    let had = s.snapshot.contains(podUID: uid)
                    s.snapshot.removePod(uid: uid)
                    return had
                }
                queue.delete(uid: uid)
                if wasAssigned { queue.moveAllToActiveOrBackoff(.assignedPodDelete) }
            }))
        // A claim, volume or class that appears or changes may be what a pod waits for.
        let storage: [(Informer, ClusterEvent.Resource)] = [(claims, .persistentVolumeClaim), (volumes, .persistentVolume), (classes, .storageClass)]
        for (informer, resource) in storage {
            informer.addHandler(InformerHandlerFunctions(
                onAdd: { [self] _, _ in queue.moveAllToActiveOrBackoff(ClusterEvent(resource, .add)) },
                onUpdate: { [self] _, _ in queue.moveAllToActiveOrBackoff(ClusterEvent(resource, .update)) }))
        }
        metrics.observeQueue { [queue = self.queue] in queue.pendingCounts }
        defer { metrics.observeQueue(nil) }
        // Informers, the queue's flushes, the event writers and every binding are children of this group:
        // when `run()` is cancelled they all end, and it returns only once they have.
        await withDiscardingTaskGroup { group in
            group.addTask { await self.nodes.run() }
            group.addTask { await self.pods.run() }
            group.addTask { await self.claims.run() }
            group.addTask { await self.volumes.run() }
            group.addTask { await self.classes.run() }
            group.addTask { await self.queue.run() }
            group.addTask { await self.events.run() }
            await withTaskCancellationHandler {
                if await nodes.waitForSync(), await pods.waitForSync(), await claims.waitForSync(),
                   await volumes.waitForSync(), await classes.waitForSync() {
                    await scheduleLoop(&group)
                }
            } onCancel: {
                self.queue.close()
            }
            group.cancelAll()
        }
    }

    /// A pod added (`updated` false) or changed. A pending pod's change goes to the queue's `update`, which
    /// keeps an unschedulable pod where it is unless what scheduling reads changed — so the scheduler's own
    /// status write (the PodScheduled=False condition) does not send the pod round again, as upstream's
    /// queue behaves.
    func podChanged(_ obj: JSON, updated: Bool = false) {
        guard let pod = try? PodView(json: obj) else { return }
        if !pod.nodeName.isEmpty {
            state.withLock { $0.snapshot.addPod(pod) }
            queue.delete(uid: pod.uid)
            return
        }
        guard pod.schedulerName == schedulerName, !pod.isTerminating else { return }
        if updated { queue.update(pod) } else { queue.add(pod) }
    }

    /// Schedules popped pods until the queue is closed, adding each binding and failure report to `group`.
    func scheduleLoop(_ group: inout DiscardingTaskGroup) async {
        while let info = await queue.pop() {
            let uid = info.pod.uid
            // An attempt's latency runs from here to the bind's answer or the failure (upstream's `start`).
            let start = ContinuousClock.now
            // The queue's copy may be stale: act on what the cache says now.
            guard let current = pods.store.get(namespace: info.pod.namespace, name: info.pod.name),
                let pod = try? PodView(json: current), pod.uid == uid, pod.nodeName.isEmpty, !pod.isTerminating
            else {
                queue.done(uid: uid)
                continue
            }
            let cycle = CycleState()
            let outcome = state.withLock { s -> Result<ScheduleResult, SchedulingFailure> in
                let r = s.scheduler.scheduleOne(pod, in: s.snapshot, state: cycle)
                if case .success(let result) = r {
                    // Reserve before the next pod is looked at, so it cannot be promised the same things.
                    for pl in s.scheduler.profile.reservePlugins {
                        if let status = pl.reserve(pod: pod, nodeName: result.suggestedHost, state: cycle), !status.isSuccess {
                            for undo in s.scheduler.profile.reservePlugins { undo.unreserve(pod: pod, nodeName: result.suggestedHost, state: cycle) }
                            return .failure(.internalError("running Reserve plugin \"\(pl.name)\": \(status.message)"))
                        }
                    }
                    do {
                        try s.snapshot.assume(pod, on: result.suggestedHost)
                    } catch {
                        return .failure(.internalError("\(error)"))
                    }
                }
                return r
            }
            switch outcome {
            case .success(let result):
                queue.done(uid: uid)
                let host = result.suggestedHost
                if profile.preBindPlugins.isEmpty || pod.claimNames.isEmpty {
                    group.addTask { await self.writes.run { await self.bind(pod, to: host, info: info, start: start) } }
                } else {
                    // PreBind may wait for volumes for a while: outside the write limiter, which bindings share.
                    group.addTask {
                        guard await self.preBind(pod, to: host, info: info, state: cycle, start: start) else { return }
                        await self.writes.run { await self.bind(pod, to: host, info: info, start: start) }
                    }
                }
            case .failure(let failure):
                let plugins = failure.fitError?.diagnosis.unschedulablePlugins ?? []
                var retry = info
                retry.pod = pod
                queue.addUnschedulableIfNotPresent(retry, unschedulablePlugins: plugins)
                queue.done(uid: uid)
                if case .internalError = failure {
                    observeAttempt(.error, since: start)
                } else {
                    observeAttempt(.unschedulable, since: start)
                }
                logger.info("pod \(pod.namespace)/\(pod.name) is unschedulable: \(failure.description)")
                group.addTask { await self.writes.run { await self.recordFailure(pod, failure) } }
            }
        }
    }

    var profile: SchedulerProfile { state.withLock { $0.scheduler.profile } }

    func observeAttempt(_ result: SchedulerMetrics.AttemptResult, since start: ContinuousClock.Instant) {
        let elapsed = start.duration(to: .now)
        metrics.observeAttempt(result, profile: schedulerName,
                               seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Runs the PreBind plugins (VolumeBinding's volume writes and wait), then gives back what Reserve set
    /// aside. False when one failed: the pod is forgotten on its node, reported and retried.
    func preBind(_ pod: PodView, to node: String, info: QueuedPodInfo, state cycle: CycleState, start: ContinuousClock.Instant) async -> Bool {
        let profile = self.profile
        var failure: String?
        for pl in profile.preBindPlugins {
            if let status = await pl.preBind(pod: pod, nodeName: node, state: cycle), !status.isSuccess {
                failure = "running PreBind plugin \"\(pl.name)\": \(status.message)"
                break
            }
        }
        for pl in profile.reservePlugins { pl.unreserve(pod: pod, nodeName: node, state: cycle) }
        guard let failure else { return true }
        logger.warning("pod \(pod.namespace)/\(pod.name): \(failure)")
        observeAttempt(.error, since: start)
        _ = state.withLock { $0.snapshot.forget(uid: pod.uid) }
        queue.addUnschedulableIfNotPresent(info, unschedulablePlugins: [])
        queue.moveAllToActiveOrBackoff(.wildcard)
        await recordFailure(pod, .internalError(failure))
        return false
    }

    func bind(_ pod: PodView, to node: String, info: QueuedPodInfo, start: ContinuousClock.Instant) async {
        let binding: JSON = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            try await client.send(.POST, ResourcePath.pods.inNamespace(pod.namespace).item(pod.name, subresource: "binding"), body: binding)
            logger.info("bound pod \(pod.namespace)/\(pod.name) to \(node)")
            observeAttempt(.scheduled, since: start)
            metrics.observeScheduled(attempts: info.attempts)
            // Buffered, not written here: the binding's permit is free for the next binding at once.
            recorder.event(regarding: podReference(pod), .normal, SchedulingEvents.scheduledReason,
                           SchedulingEvents.scheduledMessage(pod: pod, node: node))
        } catch {
            logger.warning("binding pod \(pod.namespace)/\(pod.name) to \(node) failed: \(error)")
            observeAttempt(.error, since: start)
            _ = state.withLock { $0.snapshot.forget(uid: pod.uid) }
            queue.addUnschedulableIfNotPresent(info, unschedulablePlugins: [])
            queue.moveAllToActiveOrBackoff(.wildcard)
        }
    }

    func recordFailure(_ pod: PodView, _ failure: SchedulingFailure) async {
        let message = SchedulingEvents.truncated(failure.description)
        recorder.event(regarding: podReference(pod), .warning, SchedulingEvents.failedSchedulingReason, message)
        let condition: JSON = [
            "type": "PodScheduled", "status": "False", "reason": .string(failure.conditionReason),
            "message": .string(message), "lastProbeTime": .null, "lastTransitionTime": .string(RFC3339.time()),
        ]
        let path = ResourcePath.pods.inNamespace(pod.namespace)
        do {
            var current = try await client.get(path, pod.name)
            var conds = current[path: ["status", "conditions"]]?.array ?? []
            if let i = conds.firstIndex(where: { $0["type"]?.string == "PodScheduled" }) {
                if conds[i]["message"]?.string == message { return }
                conds[i] = condition
            } else {
                conds.append(condition)
            }
            current[path: ["status", "conditions"]] = .array(conds)
            try await client.update(path, current, subresource: "status")
        } catch {
            logger.debug("could not record the PodScheduled condition of \(pod.name): \(error)")
        }
    }

    func podReference(_ pod: PodView) -> JSON {
        ["kind": "Pod", "apiVersion": "v1", "namespace": .string(pod.namespace), "name": .string(pod.name), "uid": .string(pod.uid)]
    }
}
