import APIMachinery
import Client
import Foundation
import Logging
import Synchronization

/// The running kube-scheduler: informers keep a `Snapshot` of nodes and assigned pods and feed unassigned
/// pods to the `SchedulingQueue`; one loop pops a pod, runs the framework over the snapshot, assumes the
/// result and hands the binding to its own task (binding is off the scheduling path, as upstream's
/// binding cycle), so the next pod is scheduled while the API write is in flight.
public final class SchedulerService: Sendable {
    let client: KubeClient
    let logger: Logger
    let schedulerName: String
    let nodes: Informer
    let pods: Informer
    let queue: SchedulingQueue
    let state: Mutex<(snapshot: Snapshot, scheduler: Scheduler)>
    let events: EventRecorder
    /// Bindings and failure reports in flight at once; the rest wait in line.
    let writes = ConcurrencyLimiter(limit: 64)
    /// `Scheduled` Events in flight at once.
    let eventWrites = ConcurrencyLimiter(limit: 32)

    public init(client: KubeClient, schedulerName: String = PodView.defaultSchedulerName, logger: Logger) {
        self.client = client
        self.logger = logger
        self.schedulerName = schedulerName
        let profile = SchedulerProfile.defaultProfile(schedulerName: schedulerName)
        queue = SchedulingQueue(pluginEvents: profile.pluginEvents)
        state = Mutex((Snapshot(), Scheduler(profile: profile)))
        nodes = Informer(client: client, resource: .nodes, logger: logger)
        // Finished pods hold no resources: upstream's scheduler does not watch them either.
        pods = Informer(client: client, resource: .pods, fieldSelector: "status.phase!=Succeeded,status.phase!=Failed", logger: logger)
        events = EventRecorder(client: client, component: "default-scheduler")
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
            onUpdate: { [self] _, new in podChanged(new) },
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
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.nodes.run() }
            group.addTask { await self.pods.run() }
            group.addTask { await self.queue.run() }
            group.addTask {
                _ = await self.nodes.waitForSync()
                _ = await self.pods.waitForSync()
                await self.scheduleLoop()
            }
            await withTaskCancellationHandler {
                await group.waitForAll()
            } onCancel: {
                self.queue.close()
            }
        }
    }

    func podChanged(_ obj: JSON) {
        guard let pod = try? PodView(json: obj) else { return }
        if !pod.nodeName.isEmpty {
            state.withLock { $0.snapshot.addPod(pod) }
            queue.delete(uid: pod.uid)
            return
        }
        guard pod.schedulerName == schedulerName, !pod.isTerminating else { return }
        queue.add(pod)
    }

    func scheduleLoop() async {
        while let info = await queue.pop() {
            let uid = info.pod.uid
            // The queue's copy may be stale: act on what the cache says now.
            guard let current = pods.store.get(namespace: info.pod.namespace, name: info.pod.name),
                let pod = try? PodView(json: current), pod.uid == uid, pod.nodeName.isEmpty, !pod.isTerminating
            else {
                queue.done(uid: uid)
                continue
            }
            let outcome = state.withLock { s -> Result<ScheduleResult, SchedulingFailure> in
                let r = s.scheduler.scheduleOne(pod, in: s.snapshot)
                if case .success(let result) = r {
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
                Task { await self.writes.run { await self.bind(pod, to: host, info: info) } }
            case .failure(let failure):
                let plugins = failure.fitError?.diagnosis.unschedulablePlugins ?? []
                var retry = info
                retry.pod = pod
                queue.addUnschedulableIfNotPresent(retry, unschedulablePlugins: plugins)
                queue.done(uid: uid)
                logger.info("pod \(pod.namespace)/\(pod.name) is unschedulable: \(failure.description)")
                Task { await self.writes.run { await self.recordFailure(pod, failure) } }
            }
        }
    }

    func bind(_ pod: PodView, to node: String, info: QueuedPodInfo) async {
        let binding: JSON = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            try await client.send(.POST, ResourcePath.pods.inNamespace(pod.namespace).item(pod.name, subresource: "binding"), body: binding)
            logger.info("bound pod \(pod.namespace)/\(pod.name) to \(node)")
            // The Event goes out on its own, as upstream's broadcaster sends it: the binding's permit is free
            // for the next binding at once.
            Task {
                await eventWrites.run {
                    await events.record(regarding: podReference(pod), type: "Normal", reason: SchedulingEvents.scheduledReason,
                                        message: SchedulingEvents.scheduledMessage(pod: pod, node: node))
                }
            }
        } catch {
            logger.warning("binding pod \(pod.namespace)/\(pod.name) to \(node) failed: \(error)")
            _ = state.withLock { $0.snapshot.forget(uid: pod.uid) }
            queue.addUnschedulableIfNotPresent(info, unschedulablePlugins: [])
            queue.moveAllToActiveOrBackoff(.wildcard)
        }
    }

    func recordFailure(_ pod: PodView, _ failure: SchedulingFailure) async {
        let message = SchedulingEvents.truncated(failure.description)
        await events.record(regarding: podReference(pod), type: "Warning", reason: SchedulingEvents.failedSchedulingReason, message: message)
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

/// Writes core/v1 Events the way upstream's event recorder does for a component, folding repeats of the
/// same event into one object with a growing `count`.
public final class EventRecorder: Sendable {
    let client: KubeClient
    let component: String
    let seen = Mutex<[String: (name: String, count: Int64)]>([:])

    public init(client: KubeClient, component: String) {
        self.client = client
        self.component = component
    }

    public func record(regarding object: JSON, type: String, reason: String, message: String) async {
        let ns = object["namespace"]?.string ?? "default"
        let key = "\(ns)/\(object["name"]?.string ?? "")/\(object["uid"]?.string ?? "")/\(reason)/\(message)"
        let path = ResourcePath.events.inNamespace(ns)
        let now = RFC3339.time()
        if let prior = seen.withLock({ $0[key] }) {
            let count = prior.count + 1
            if (try? await client.patch(path, prior.name, ["count": .int(count), "lastTimestamp": .string(now)])) != nil {
                seen.withLock { $0[key] = (prior.name, count) }
                return
            }
        }
        let name = "\(object["name"]?.string ?? "object").\(String(UInt64(Date().timeIntervalSince1970 * 1e9), radix: 16))"
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string(name), "namespace": .string(ns)],
            "involvedObject": object, "reason": .string(reason), "message": .string(message), "type": .string(type),
            "source": ["component": .string(component)], "firstTimestamp": .string(now), "lastTimestamp": .string(now),
            "count": 1, "reportingComponent": .string(component), "reportingInstance": "",
        ]
        if (try? await client.create(path, event)) != nil {
            seen.withLock { $0[key] = (name, 1) }
        }
    }
}
