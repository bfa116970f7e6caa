import APIMachinery
import CRI
import Client
import Foundation
import Logging
import Synchronization

/// Runs pods for real through CRI on containerd, the way upstream's kuberuntime manager does: one sandbox
/// per pod (pause container, network namespace from CNI), then init containers one at a time in order,
/// then the app containers, restarting what exits per `restartPolicy` with back-off.
///
/// It keeps no pod state of its own: every sync reads the sandboxes and containers back from containerd by
/// their labels, so a restarted kubelet adopts running containers instead of restarting them. Syncs of
/// different pods run concurrently (the kubelet's work queue never syncs one pod twice at once), so the
/// type holds only thread-safe back-off tables.
public final class ContainerdRuntime: ContainerRuntime {
    public let version: String
    public let needsPolling = true
    public let startsPodsAtOnce = false
    public let providesPodNetwork = true

    let cri: CRIClient
    let logs: PodLogPaths
    /// cgroupfs parent of every pod cgroup on this node, e.g. `/skiff/C/N`.
    let cgroupRoot: String
    let logger: Logger
    let restarts = RestartBackoff()
    let pulls = RestartBackoff()
    let probes: ProbeManager
    let hooks: LifecycleHookRunner
    /// The restarts whose back-off has been reported (`uid/container#attempt`): one BackOff event per
    /// wait, not one per sync during it.
    let announcedBackoffs = Mutex<Set<String>>([])

    /// Connects to the runtime and reads its version (retrying while containerd starts up).
    public init(endpoint: String, kubeletRoot: URL, cgroupRoot: String, networkNamespace: String?, logger: Logger) async throws {
        let cri = try CRIClient(endpoint: endpoint)
        let version = try await Self.waitForRuntime(cri)
        self.cri = cri
        self.version = "\(version.runtimeName)://\(version.runtimeVersion)"
        self.logs = PodLogPaths(kubeletRoot: kubeletRoot)
        self.cgroupRoot = cgroupRoot
        self.logger = logger
        self.probes = ProbeManager(cri: cri, networkNamespace: networkNamespace, logger: logger)
        self.hooks = LifecycleHookRunner(cri: cri, prober: probes.prober)
    }

    public func close() async { await cri.close() }

    /// The runtime's version, asked until containerd answers (it may still be starting): 10 s at most.
    static func waitForRuntime(_ cri: CRIClient) async throws -> Runtime_V1_VersionResponse {
        var lastError: (any Error)?
        for _ in 0..<100 {
            if let v = try? await cri.version() { return v }
            lastError = CRIError(code: .unavailable, message: "no answer from \(cri.socketPath)", method: "RuntimeService/Version")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw lastError!
    }

    // MARK: Sync

    public func syncPod(_ pod: JSON, context: PodSyncContext) async throws -> PodRuntimeStatus {
        let id = CRIConfigBuilder.PodIdentity(pod)
        let sandbox = try await ensureSandbox(pod, id: id, context: context)
        let podIP = sandbox.network.ip
        if let hosts = context.hostsFile, !FileManager.default.fileExists(atPath: hosts.path) {
            try FileManager.default.createDirectory(at: hosts.deletingLastPathComponent(), withIntermediateDirectories: true)
            try CRIConfigBuilder.hostsFile(pod: pod, podIP: podIP).write(to: hosts, atomically: true, encoding: .utf8)
        }
        let existing = try await latestContainers(sandboxID: sandbox.id)
        let restartPolicy = pod[path: ["spec", "restartPolicy"]]?.string ?? "Always"

        // Init containers: each must finish with 0 before the next (and the app containers) start.
        var initStates: [ContainerState] = []
        var initsDone = true
        for spec in pod[path: ["spec", "initContainers"]]?.array ?? [] {
            let name = spec["name"]?.string ?? ""
            guard initsDone else {
                initStates.append(waitingState(spec, reason: "PodInitializing"))
                continue
            }
            var state = try await syncContainer(spec, kind: "init", pod: pod, id: id, sandbox: sandbox, context: context,
                                                attempts: existing[name], restartPolicy: restartPolicy == "Never" ? "Never" : "OnFailure")
            state.ready = state.exitCode == 0
            initStates.append(state)
            if state.exitCode != 0 { initsDone = false }
        }
        var appStates: [ContainerState] = []
        for spec in pod[path: ["spec", "containers"]]?.array ?? [] {
            guard initsDone else {
                appStates.append(waitingState(spec, reason: "PodInitializing"))
                continue
            }
            let name = spec["name"]?.string ?? ""
            var state = try await syncContainer(spec, kind: "app", pod: pod, id: id, sandbox: sandbox, context: context,
                                                attempts: existing[name], restartPolicy: restartPolicy)
            if state.isRunning {
                let verdict = await probes.check(pod: pod, container: spec, containerID: state.containerID, podIP: podIP, startedAt: state.phase)
                state.ready = verdict.ready
                for failure in verdict.failures {
                    context.events.container(name, kind: "app", .warning, "Unhealthy", "\(failure.probe) probe failed: \(failure.message)")
                }
                if let failed = verdict.restart {
                    logger.info("pod \(id.namespace)/\(id.name): container \(name) failed its \(failed.lowercased()) probe; restarting it")
                    context.events.container(name, kind: "app", .normal, "Killing", "Container \(name) failed \(failed.lowercased()) probe, will be restarted")
                    try? await stop(containerID: String(state.containerID.dropFirst("containerd://".count)), gracePeriod: pod[path: ["spec", "terminationGracePeriodSeconds"]]?.int ?? 30)
                }
            } else {
                state.ready = false
            }
            appStates.append(state)
        }
        return PodRuntimeStatus(podIP: podIP, sandboxReady: true, initContainers: initStates, containers: appStates)
    }

    func waitingState(_ spec: JSON, reason: String) -> ContainerState {
        ContainerState(name: spec["name"]?.string ?? "", image: spec["image"]?.string ?? "", containerID: "",
                       phase: .waiting(reason: reason, message: nil), restartCount: 0, ready: false)
    }

    /// The pod's ready sandbox, made (again) when there is none: a sandbox that died (its pause process
    /// gone, its network torn down) takes its containers with it, as upstream's kubelet recreates both.
    func ensureSandbox(_ pod: JSON, id: CRIConfigBuilder.PodIdentity, context: PodSyncContext) async throws -> Runtime_V1_PodSandboxStatus {
        let sandboxes = try await cri.listPodSandboxes(labels: [CRILabels.podUID: id.uid])
        if let ready = sandboxes.filter({ $0.state == .sandboxReady }).max(by: { $0.createdAt < $1.createdAt }) {
            var req = Runtime_V1_PodSandboxStatusRequest()
            req.podSandboxID = ready.id
            return try await cri.podSandboxStatus(req).status
        }
        var attempt: UInt32 = 0
        for old in sandboxes {
            attempt = max(attempt, old.metadata.attempt + 1)
            try? await removeSandbox(old.id, gracePeriod: 0)
        }
        let logDir = logs.podDirectory(namespace: id.namespace, pod: id.name, uid: id.uid)
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        var req = Runtime_V1_RunPodSandboxRequest()
        req.config = CRIConfigBuilder.sandboxConfig(pod: pod, attempt: attempt, logDirectory: logDir.path,
                                                    cgroupParent: podCgroup(id.uid), dns: context.dns)
        let sandboxID = try await cri.runPodSandbox(req).podSandboxID
        logger.info("pod \(id.namespace)/\(id.name): sandbox \(sandboxID.prefix(13)) is up")
        var status = Runtime_V1_PodSandboxStatusRequest()
        status.podSandboxID = sandboxID
        return try await cri.podSandboxStatus(status).status
    }

    /// A container's newest attempt with its status, and the attempt before it (for `lastState`), from
    /// one listing of the sandbox.
    struct ContainerAttempts {
        var current: Runtime_V1_ContainerStatus
        var previous: Runtime_V1_Container?
    }

    /// The newest attempt of each container in the sandbox, by container name, with its status. Older
    /// attempts beyond the previous one are removed (upstream keeps one dead container per name for
    /// `kubectl logs --previous`).
    func latestContainers(sandboxID: String) async throws -> [String: ContainerAttempts] {
        let all = try await cri.listContainers(podSandboxID: sandboxID)
        var byName: [String: [Runtime_V1_Container]] = [:]
        for c in all { byName[c.metadata.name, default: []].append(c) }
        var latest: [String: ContainerAttempts] = [:]
        for (name, attempts) in byName {
            let sorted = attempts.sorted { ($0.metadata.attempt, $0.createdAt) > ($1.metadata.attempt, $1.createdAt) }
            for stale in sorted.dropFirst(2) where stale.state != .containerRunning {
                var rm = Runtime_V1_RemoveContainerRequest()
                rm.containerID = stale.id
                _ = try? await cri.removeContainer(rm)
            }
            var req = Runtime_V1_ContainerStatusRequest()
            req.containerID = sorted[0].id
            if let status = try? await cri.containerStatus(req).status {
                latest[name] = ContainerAttempts(current: status, previous: sorted.dropFirst().first)
            }
        }
        return latest
    }

    /// Brings one container to where it should be and reports its state: started when it never ran,
    /// restarted (after its back-off) when it exited and `restart(exitCode)` says so.
    func syncContainer(_ spec: JSON, kind: String, pod: JSON, id: CRIConfigBuilder.PodIdentity, sandbox: Runtime_V1_PodSandboxStatus,
                       context: PodSyncContext, attempts: ContainerAttempts?,
                       restartPolicy: String) async throws -> ContainerState {
        let name = spec["name"]?.string ?? ""
        let image = spec["image"]?.string ?? ""
        let key = "\(id.uid)/\(name)"
        let note = { (type: EventType, reason: String, message: String) in context.events.container(name, kind: kind, type, reason, message) }
        var lastTermination: ContainerState.Phase?
        var attempt: UInt32 = 0
        if let current = attempts?.current {
            let state = Self.state(of: current, spec: spec)
            switch current.state {
            case .containerRunning:
                return withPrevious(state, previous: try await previousTermination(attempts?.previous))
            case .containerCreated:
                // Created but never started (a start that failed, or a create whose answer was lost to a
                // timeout): start it now rather than creating the same attempt again.
                var start = Runtime_V1_StartContainerRequest()
                start.containerID = current.id
                _ = try await cri.startContainer(start)
                logger.info("pod \(id.namespace)/\(id.name): started container \(name) (created earlier, attempt \(current.metadata.attempt))")
                note(.normal, "Started", "Started container \(name)")
                var status = Runtime_V1_ContainerStatusRequest()
                status.containerID = current.id
                return withPrevious(Self.state(of: try await cri.containerStatus(status).status, spec: spec),
                                    previous: try await previousTermination(attempts?.previous))
            default:
                break
            }
            // Exited: done for good, or due for a restart.
            if !Self.shouldRestart(exitCode: current.exitCode, policy: restartPolicy) {
                return withPrevious(state, previous: try await previousTermination(attempts?.previous))
            }
            lastTermination = state.phase
            attempt = current.metadata.attempt + 1
            if let wait = restarts.remaining(key) {
                if announcedBackoffs.withLock({ $0.insert("\(key)#\(attempt)").inserted }) {
                    note(.warning, "BackOff", "Back-off restarting failed container \(name) in pod \(context.events.formatted)")
                }
                var waiting = state
                waiting.phase = .waiting(reason: "CrashLoopBackOff",
                                         message: "back-off \(Self.backoffText(restarts.currentDelay(key) ?? wait)) restarting failed container=\(name) pod=\(id.name)_\(id.namespace)(\(id.uid))")
                waiting.lastTermination = lastTermination
                waiting.restartCount = Int(current.metadata.attempt)
                return waiting
            }
            let ran = Duration.nanoseconds(max(0, current.finishedAt - current.startedAt))
            restarts.recordRestart(key, ranFor: ran)
        }

        // Start (or restart) it: image first, then configuration, then create and start.
        let imageRef: String
        switch try await ensureImage(image, policy: Self.pullPolicy(spec), key: key, note: note) {
        case .ready(let ref): imageRef = ref
        case .failed(let reason, let message):
            note(.warning, "Failed", "Error: \(reason)")
            var s = waitingState(spec, reason: reason)
            s.phase = .waiting(reason: reason, message: message)
            s.lastTermination = lastTermination
            s.restartCount = Int(attempt)
            return s
        }
        let env: [(name: String, value: String)]
        do {
            env = try await context.environment(spec, sandbox.network.ip)
        } catch let e as PodConfigError {
            note(.warning, "Failed", "Error: \(e.message)")
            throw e
        }
        let environment = Dictionary(env.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        var mounts = try VolumeManager.mounts(container: spec, volumes: context.volumes, environment: environment)
        if let hosts = context.hostsFile, !mounts.contains(where: { $0.containerPath == "/etc/hosts" }),
           pod[path: ["spec", "hostNetwork"]]?.bool != true {
            mounts.append(ContainerMount(containerPath: "/etc/hosts", hostPath: hosts.path, readOnly: false))
        }
        var create = Runtime_V1_CreateContainerRequest()
        create.podSandboxID = sandbox.id
        create.config = CRIConfigBuilder.containerConfig(pod: pod, container: spec, kind: kind, attempt: attempt, imageRef: imageRef, env: env, mounts: mounts)
        create.sandboxConfig = CRIConfigBuilder.sandboxConfig(
            pod: pod, attempt: sandbox.metadata.attempt,
            logDirectory: logs.podDirectory(namespace: id.namespace, pod: id.name, uid: id.uid).path,
            cgroupParent: podCgroup(id.uid), dns: context.dns)
        let containerID: String
        do {
            containerID = try await cri.createContainer(create).containerID
        } catch {
            note(.warning, "Failed", "Error: \(error.message)")
            var s = waitingState(spec, reason: "CreateContainerError")
            s.phase = .waiting(reason: "CreateContainerError", message: "\(error)")
            s.lastTermination = lastTermination
            s.restartCount = Int(attempt)
            return s
        }
        note(.normal, "Created", "Created container \(name)")
        var start = Runtime_V1_StartContainerRequest()
        start.containerID = containerID
        do {
            _ = try await cri.startContainer(start)
        } catch {
            note(.warning, "Failed", "Error: \(error.message)")
            var s = waitingState(spec, reason: "RunContainerError")
            s.phase = .waiting(reason: "RunContainerError", message: "\(error)")
            s.lastTermination = lastTermination
            s.restartCount = Int(attempt)
            s.containerID = "containerd://\(containerID)"
            return s
        }
        probes.forget(containerID: "containerd://\(containerID)")
        logger.info("pod \(id.namespace)/\(id.name): started container \(name) (image \(image), attempt \(attempt))")
        note(.normal, "Started", "Started container \(name)")
        if let hook = spec[path: ["lifecycle", "postStart"]],
           let failure = await hooks.run(hook, containerID: containerID, podIP: sandbox.network.ip, timeout: nil) {
            // Upstream kills a container whose postStart hook failed; its restart policy decides what next.
            logger.warning("pod \(id.namespace)/\(id.name): postStart hook of \(name) failed: \(failure)")
            note(.warning, "FailedPostStartHook", "PostStartHook failed")
            try? await stop(containerID: containerID, gracePeriod: pod[path: ["spec", "terminationGracePeriodSeconds"]]?.int ?? 30)
        }
        var status = Runtime_V1_ContainerStatusRequest()
        status.containerID = containerID
        let now = try await cri.containerStatus(status).status
        var state = Self.state(of: now, spec: spec)
        state.lastTermination = lastTermination
        return state
    }

    /// Whether an exited container starts again: always under `Always`, after a failure under `OnFailure`
    /// (init containers restart under any policy but `Never`, which the caller maps to `OnFailure`).
    static func shouldRestart(exitCode: Int32, policy: String) -> Bool {
        policy == "Always" || (policy == "OnFailure" && exitCode != 0)
    }

    func withPrevious(_ state: ContainerState, previous: ContainerState.Phase?) -> ContainerState {
        var s = state
        s.lastTermination = previous
        return s
    }

    /// How the attempt before the current one ended, for `lastState`.
    func previousTermination(_ previous: Runtime_V1_Container?) async throws -> ContainerState.Phase? {
        guard let previous else { return nil }
        var req = Runtime_V1_ContainerStatusRequest()
        req.containerID = previous.id
        guard let status = try? await cri.containerStatus(req).status else { return nil }
        return Self.state(of: status, spec: [:]).phase
    }

    // MARK: Images

    enum ImageOutcome { case ready(String), failed(reason: String, message: String) }

    static func pullPolicy(_ spec: JSON) -> String {
        if let p = spec["imagePullPolicy"]?.string { return p }
        let image = spec["image"]?.string ?? ""
        let lastSegment = image.split(separator: "/").last.map(String.init) ?? image
        if image.contains("@") { return "IfNotPresent" }
        return !lastSegment.contains(":") || lastSegment.hasSuffix(":latest") ? "Always" : "IfNotPresent"
    }

    /// The image, pulled per the container's pull policy; a failed pull is `ErrImagePull` the first time
    /// and `ImagePullBackOff` while its back-off runs, with upstream's messages.
    ///
    /// `note` records upstream's image events: Pulled ("already present on machine" or "Successfully
    /// pulled ... in 1.2s"), Pulling, BackOff and Failed.
    func ensureImage(_ image: String, policy: String, key: String,
                     note: (EventType, String, String) -> Void = { _, _, _ in }) async throws -> ImageOutcome {
        let present = "Container image \"\(image)\" already present on machine"
        if policy != "Always", let found = try? await cri.imageStatus(image) {
            note(.normal, "Pulled", present)
            return .ready(found.id)
        }
        if policy == "Never" {
            let message = "Container image \"\(image)\" is not present with pull policy of Never"
            note(.warning, "ErrImageNeverPull", message)
            return .failed(reason: "ErrImageNeverPull", message: message)
        }
        if pulls.remaining("pull/" + key) != nil {
            note(.normal, "BackOff", "Back-off pulling image \"\(image)\"")
            return .failed(reason: "ImagePullBackOff", message: "Back-off pulling image \"\(image)\"")
        }
        note(.normal, "Pulling", "Pulling image \"\(image)\"")
        let started = ContinuousClock.now
        do {
            let ref = try await cri.pullImage(image)
            pulls.forget(prefix: "pull/" + key)
            let took = GoDuration.format(Self.truncatedToMilliseconds(ContinuousClock.now - started))
            let size = (try? await cri.imageStatus(ref))?.size ?? 0
            note(.normal, "Pulled", "Successfully pulled image \"\(image)\" in \(took) (\(took) including waiting). Image size: \(size) bytes.")
            return .ready(ref)
        } catch {
            // Offline machines: an image that is already here serves even under `Always` (kind's nodes
            // behave the same with images loaded by `kind load`).
            if let found = try? await cri.imageStatus(image) {
                note(.normal, "Pulled", present)
                return .ready(found.id)
            }
            pulls.recordRestart("pull/" + key, ranFor: .zero)
            logger.warning("pulling image \(image) failed: \(error)")
            let message = "failed to pull and unpack image \"\(image)\": \(error.message)"
            note(.warning, "Failed", "Failed to pull image \"\(image)\": \(message)")
            return .failed(reason: "ErrImagePull", message: message)
        }
    }

    /// Upstream prints pull times truncated to the millisecond.
    static func truncatedToMilliseconds(_ d: Duration) -> Duration {
        let (seconds, attoseconds) = d.components
        return .seconds(seconds) + .milliseconds(attoseconds / 1_000_000_000_000_000)
    }

    // MARK: State

    /// A CRI container status as the API's container state: reasons as containerd reports them
    /// (`Completed`, `Error`, `OOMKilled`), times as RFC 3339.
    static func state(of status: Runtime_V1_ContainerStatus, spec: JSON) -> ContainerState {
        func time(_ nanos: Int64) -> String { RFC3339.time(Date(timeIntervalSince1970: Double(nanos) / 1e9)) }
        let phase: ContainerState.Phase
        switch status.state {
        case .containerRunning:
            phase = .running(startedAt: time(status.startedAt))
        case .containerExited:
            let reason = status.reason.isEmpty ? (status.exitCode == 0 ? "Completed" : "Error") : status.reason
            phase = .terminated(exitCode: status.exitCode, reason: reason, startedAt: time(status.startedAt), finishedAt: time(status.finishedAt))
        default:
            phase = .waiting(reason: "ContainerCreating", message: nil)
        }
        return ContainerState(name: status.metadata.name, image: spec["image"]?.string ?? status.image.image,
                              imageID: status.imageRef, containerID: "containerd://\(status.id)", phase: phase,
                              restartCount: Int(status.metadata.attempt), ready: status.state == .containerRunning)
    }

    static func backoffText(_ d: Duration) -> String {
        let s = d.components.seconds
        return s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }

    // MARK: Kill

    public func runPreStopHooks(_ pod: JSON, gracePeriod: Int64, events: PodEvents) async -> Duration {
        let uid = pod[path: ["metadata", "uid"]]?.string ?? ""
        let specs = (pod[path: ["spec", "containers"]]?.array ?? []).filter { $0[path: ["lifecycle", "preStop"]] != nil }
        guard !specs.isEmpty, let sandbox = try? await cri.listPodSandboxes(labels: [CRILabels.podUID: uid])
            .first(where: { $0.state == .sandboxReady }) else { return .zero }
        guard let running = try? await cri.listContainers(podSandboxID: sandbox.id).filter({ $0.state == .containerRunning }) else { return .zero }
        var status = Runtime_V1_PodSandboxStatusRequest()
        status.podSandboxID = sandbox.id
        let podIP = (try? await cri.podSandboxStatus(status).status.network.ip) ?? ""
        let started = ContinuousClock.now
        let hooks = self.hooks, logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            for spec in specs {
                let name = spec["name"]?.string ?? ""
                guard let container = running.first(where: { $0.metadata.name == name }),
                      let hook = spec[path: ["lifecycle", "preStop"]] else { continue }
                group.addTask {
                    if let failure = await hooks.run(hook, containerID: container.id, podIP: podIP, timeout: .seconds(gracePeriod)) {
                        logger.warning("pod \(events.formatted): preStop hook of \(name) failed: \(failure)")
                        events.container(name, kind: "app", .warning, "FailedPreStopHook", "PreStopHook failed")
                    }
                }
            }
        }
        return ContinuousClock.now - started
    }

    public func killPod(uid: String, gracePeriod: Int64) async throws {
        let sandboxes = try await cri.listPodSandboxes(labels: [CRILabels.podUID: uid])
        for sandbox in sandboxes {
            try await removeSandbox(sandbox.id, gracePeriod: gracePeriod)
        }
        restarts.forget(prefix: uid)
        pulls.forget(prefix: "pull/" + uid)
        announcedBackoffs.withLock { $0 = $0.filter { !$0.hasPrefix(uid) } }
        removePodCgroup(uid)
    }

    /// Stops every container of the sandbox within the grace period (in parallel, as upstream), then the
    /// sandbox, then removes it all.
    func removeSandbox(_ id: String, gracePeriod: Int64) async throws {
        let containers = try await cri.listContainers(podSandboxID: id)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in containers where c.state == .containerRunning || c.state == .containerCreated {
                group.addTask { try await self.stop(containerID: c.id, gracePeriod: gracePeriod) }
            }
            try await group.waitForAll()
        }
        for c in containers {
            probes.forget(containerID: "containerd://\(c.id)")
        }
        var stop = Runtime_V1_StopPodSandboxRequest()
        stop.podSandboxID = id
        _ = try await cri.stopPodSandbox(stop)
        var remove = Runtime_V1_RemovePodSandboxRequest()
        remove.podSandboxID = id
        _ = try await cri.removePodSandbox(remove)
    }

    func stop(containerID: String, gracePeriod: Int64) async throws {
        var req = Runtime_V1_StopContainerRequest()
        req.containerID = containerID
        req.timeout = max(0, gracePeriod)
        do {
            _ = try await cri.stopContainer(req)
        } catch {
            if error.code != .notFound { throw error }
        }
    }

    public func podStatus(uid: String) async -> PodRuntimeStatus? {
        guard let sandboxes = try? await cri.listPodSandboxes(labels: [CRILabels.podUID: uid]), !sandboxes.isEmpty else { return nil }
        return PodRuntimeStatus(podIP: nil, sandboxReady: sandboxes.contains { $0.state == .sandboxReady }, containers: [])
    }

    public func podUIDs() async -> Set<String> {
        let sandboxes = (try? await cri.listPodSandboxes(labels: [CRILabels.managedBy: CRILabels.managedByValue])) ?? []
        return Set(sandboxes.compactMap { $0.labels[CRILabels.podUID] })
    }

    public func relist() async -> [String: String]? {
        guard let containers = try? await cri.listContainers(podSandboxID: nil),
              let sandboxes = try? await cri.listPodSandboxes(labels: [CRILabels.managedBy: CRILabels.managedByValue]) else { return nil }
        var parts: [String: [String]] = [:]
        for s in sandboxes {
            guard let uid = s.labels[CRILabels.podUID] else { continue }
            parts[uid, default: []].append("\(s.id):\(s.state.rawValue)")
        }
        for c in containers {
            guard let uid = c.labels[CRILabels.podUID] else { continue }
            parts[uid, default: []].append("\(c.id):\(c.state.rawValue)")
        }
        return parts.mapValues { $0.sorted().joined(separator: ",") }
    }

    public func nodeImages() async -> [NodeImage] {
        let images = (try? await cri.listImages()) ?? []
        return images.map { NodeImage(names: $0.repoDigests + $0.repoTags, sizeBytes: Int64($0.size)) }
            .sorted { $0.sizeBytes > $1.sizeBytes }
    }

    // MARK: Cgroups

    func podCgroup(_ uid: String) -> String { "\(cgroupRoot)/pod\(uid)" }

    /// Removes the pod's cgroup in every hierarchy once its containers are gone (runc removes the
    /// containers' own cgroups; their parent is the kubelet's to clean).
    func removePodCgroup(_ uid: String) {
        let fm = FileManager.default
        let base = "/sys/fs/cgroup"
        var hierarchies = [base]
        for entry in (try? fm.contentsOfDirectory(atPath: base)) ?? [] { hierarchies.append("\(base)/\(entry)") }
        for h in hierarchies {
            let dir = h + podCgroup(uid)
            guard fm.fileExists(atPath: dir) else { continue }
            // Children first (a leftover container cgroup), then the pod's own.
            for child in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where !child.contains(".") {
                rmdir("\(dir)/\(child)")
            }
            rmdir(dir)
        }
    }
}
