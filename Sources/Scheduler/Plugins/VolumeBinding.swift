import APIMachinery
import Client
import Foundation
import Synchronization

/// What VolumeBinding reads: the scheduler's caches of claims, volumes and classes.
public protocol VolumeBindingListers: Sendable {
    func claim(namespace: String, name: String) -> JSON?
    func volume(named name: String) -> JSON?
    func volumes() -> [JSON]
    func storageClass(named name: String) -> JSON?
}

/// The writes VolumeBinding's PreBind makes (a seam, so the plugin is tested without a server).
public protocol VolumeBindingWriter: Sendable {
    /// Writes `spec.claimRef` of the named volume to the claim (the scheduler's half of a static binding).
    func bindVolume(_ volume: String, to claim: JSON) async throws
    /// Annotates the claim with the chosen node, which asks its provisioner for a volume there.
    func selectNode(_ node: String, forClaim namespace: String, _ name: String) async throws
}

/// Upstream's VolumeBinding plugin: a pod's claims decide where it may run and get their volumes there.
///
/// PreFilter rejects a pod whose claim is missing, being deleted, or unbound with Immediate binding (the
/// binder binds those first). Filter keeps the nodes where every bound claim's volume may be used (its
/// node affinity) and every WaitForFirstConsumer claim either finds an Available volume usable there or
/// can be provisioned (its class has a provisioner). Reserve sets the chosen static volumes aside from
/// other pods; PreBind writes the bindings — a static volume's claimRef, a provisioned claim's
/// `volume.kubernetes.io/selected-node` — and waits until the binder reports every claim bound, so the
/// pod is bound to the node only once its volumes are there.
public final class VolumeBinding: PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
    public static let errReasonBindConflict = "node(s) didn't find available persistent volumes to bind"
    public static let errReasonNodeConflict = "node(s) had volume node affinity conflict"
    public static let errReasonNotEnoughSpace = "node(s) did not have enough free storage"
    public static let errReasonPVNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    public static let errReasonImmediate = "pod has unbound immediate PersistentVolumeClaims"
    static let selectedNode = "volume.kubernetes.io/selected-node"
    static let bindCompleted = "pv.kubernetes.io/bind-completed"
    static let noProvisioner = "kubernetes.io/no-provisioner"
    static let stateKey = "VolumeBinding"

    let listers: any VolumeBindingListers
    let writer: (any VolumeBindingWriter)?
    /// How long PreBind waits for the binder (upstream's `bindTimeoutSeconds`, 600).
    let bindTimeout: Duration
    let pollInterval: Duration
    /// Static volumes promised to pods whose PreBind has not finished: no other pod may take them.
    let assumedVolumes = Mutex<Set<String>>([])

    public init(listers: any VolumeBindingListers, writer: (any VolumeBindingWriter)?,
                bindTimeout: Duration = .seconds(600), pollInterval: Duration = .milliseconds(20)) {
        self.listers = listers
        self.writer = writer
        self.bindTimeout = bindTimeout
        self.pollInterval = pollInterval
    }

    public var name: String { "VolumeBinding" }

    /// The pod's claims, sorted out once per cycle.
    final class CycleData: @unchecked Sendable {
        /// Volumes of the claims already bound.
        var boundVolumes: [JSON] = []
        /// Bound claims whose volume does not exist.
        var missingVolume = false
        /// WaitForFirstConsumer claims still unbound.
        var claimsToBind: [JSON] = []
        /// Volumes that were free when the cycle started.
        var candidates: [JSON] = []
        /// Filter's decision per node.
        var byNode: [String: Decision] = [:]
        /// Reserve's pick.
        var chosen: Decision?
    }

    /// What binding the pod's claims on one node takes.
    struct Decision: Sendable {
        /// Volume name → the claim it is bound to.
        var staticBindings: [(volume: String, claim: JSON)] = []
        var claimsToProvision: [JSON] = []
    }

    public func preFilter(pod: PodView, state: CycleState) -> PreFilterResult {
        if pod.claimNames.isEmpty { return .skip }
        let data = CycleData()
        for name in pod.claimNames {
            guard let claim = listers.claim(namespace: pod.namespace, name: name) else {
                return .reject(Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(name)\" not found"))
            }
            if let t = claim[path: ["metadata", "deletionTimestamp"]], !t.isNull {
                return .reject(Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"\(name)\" is being deleted"))
            }
            let volumeName = claim[path: ["spec", "volumeName"]]?.string ?? ""
            if !volumeName.isEmpty && claim[path: ["metadata", "annotations", Self.bindCompleted]] != nil {
                if let volume = listers.volume(named: volumeName) {
                    data.boundVolumes.append(volume)
                } else {
                    data.missingVolume = true
                }
                continue
            }
            let className = VolumeMatching.storageClass(claim)
            let cls = className.isEmpty ? nil : listers.storageClass(named: className)
            guard cls?["volumeBindingMode"]?.string == "WaitForFirstConsumer" else {
                return .reject(Status(.unschedulableAndUnresolvable, Self.errReasonImmediate))
            }
            data.claimsToBind.append(claim)
        }
        if !data.claimsToBind.isEmpty {
            let taken = assumedVolumes.withLock { $0 }
            data.candidates = listers.volumes().filter { !taken.contains($0[path: ["metadata", "name"]]?.string ?? "") }
        }
        state.write(Self.stateKey, data)
        return .allNodes
    }

    public func filter(pod: PodView, nodeInfo: NodeInfo, state: CycleState) -> Status? {
        guard let data = state.read(Self.stateKey, as: CycleData.self) else { return nil }
        if data.missingVolume { return Status(.unschedulableAndUnresolvable, Self.errReasonPVNotExist) }
        let affinity: (JSON) -> Bool = { Self.volumeAffinityMatches($0, nodeInfo: nodeInfo) }
        for volume in data.boundVolumes where !affinity(volume) {
            return Status(.unschedulableAndUnresolvable, Self.errReasonNodeConflict)
        }
        if data.claimsToBind.isEmpty { return nil }
        var decision = Decision()
        var free = data.candidates
        var reasons: [String] = []
        for claim in data.claimsToBind {
            if let volume = VolumeMatching.bestMatch(for: claim, in: free, delayBinding: true, nodeAffinity: affinity) {
                let name = volume[path: ["metadata", "name"]]?.string ?? ""
                decision.staticBindings.append((name, claim))
                free.removeAll { $0[path: ["metadata", "name"]]?.string == name }
                continue
            }
            let className = VolumeMatching.storageClass(claim)
            guard let cls = listers.storageClass(named: className),
                  let provisioner = cls["provisioner"]?.string, !provisioner.isEmpty, provisioner != Self.noProvisioner,
                  Self.allowedTopologiesMatch(cls, nodeInfo: nodeInfo) else {
                if !reasons.contains(Self.errReasonBindConflict) { reasons.append(Self.errReasonBindConflict) }
                continue
            }
            decision.claimsToProvision.append(claim)
        }
        if !reasons.isEmpty { return Status(.unschedulableAndUnresolvable, reasons) }
        data.byNode[nodeInfo.name] = decision
        return nil
    }

    public func reserve(pod: PodView, nodeName: String, state: CycleState) -> Status? {
        guard let data = state.read(Self.stateKey, as: CycleData.self), let decision = data.byNode[nodeName] else { return nil }
        data.chosen = decision
        assumedVolumes.withLock { taken in for b in decision.staticBindings { taken.insert(b.volume) } }
        return nil
    }

    public func unreserve(pod: PodView, nodeName: String, state: CycleState) {
        guard let data = state.read(Self.stateKey, as: CycleData.self), let decision = data.chosen else { return }
        assumedVolumes.withLock { taken in for b in decision.staticBindings { taken.remove(b.volume) } }
    }

    public func preBind(pod: PodView, nodeName: String, state: CycleState) async -> Status? {
        guard let data = state.read(Self.stateKey, as: CycleData.self), let decision = data.chosen else { return nil }
        guard let writer else { return Status(.error, "binding volumes: no API writer") }
        do {
            for b in decision.staticBindings {
                try await writer.bindVolume(b.volume, to: b.claim)
            }
            for claim in decision.claimsToProvision {
                try await writer.selectNode(nodeName, forClaim: claim[path: ["metadata", "namespace"]]?.string ?? "",
                                            claim[path: ["metadata", "name"]]?.string ?? "")
            }
        } catch {
            return Status(.error, "binding volumes: \(error)")
        }
        // Wait for the binder (and provisioner) to finish every claim, as upstream's `checkBindings`.
        let deadline = ContinuousClock.now + bindTimeout
        while ContinuousClock.now < deadline {
            if Task.isCancelled { return Status(.error, "binding volumes: context canceled") }
            switch bindingsDone(pod: pod, decision: decision, nodeName: nodeName) {
            case .success(true): return nil
            case .success(false): break
            case .failure(let why): return Status(.error, "binding volumes: \(why.description)")
            }
            try? await Task.sleep(for: pollInterval)
        }
        return Status(.error, "binding volumes: context deadline exceeded")
    }

    struct BindingFailure: Error, CustomStringConvertible { let description: String }

    /// Whether every claim of the decision is bound by now; an error when one can no longer be.
    func bindingsDone(pod: PodView, decision: Decision, nodeName: String) -> Result<Bool, BindingFailure> {
        for claim in decision.staticBindings.map(\.claim) + decision.claimsToProvision {
            let namespace = claim[path: ["metadata", "namespace"]]?.string ?? ""
            let name = claim[path: ["metadata", "name"]]?.string ?? ""
            guard let current = listers.claim(namespace: namespace, name: name),
                  current[path: ["metadata", "uid"]] == claim[path: ["metadata", "uid"]] else {
                return .failure(BindingFailure(description: "persistentvolumeclaim \"\(name)\" was deleted"))
            }
            let volumeName = current[path: ["spec", "volumeName"]]?.string ?? ""
            if volumeName.isEmpty || current[path: ["metadata", "annotations", Self.bindCompleted]] == nil {
                return .success(false)
            }
        }
        return .success(true)
    }

    /// Upstream `CheckNodeAffinity`: a volume without node affinity may be used anywhere.
    static func volumeAffinityMatches(_ volume: JSON, nodeInfo: NodeInfo) -> Bool {
        guard let required = volume[path: ["spec", "nodeAffinity", "required"]], !required.isNull else { return true }
        let terms = (required["nodeSelectorTerms"]?.array ?? []).map(NodeSelectorTerm.init(json:))
        return terms.contains { $0.matches(labels: nodeInfo.labels, nodeName: nodeInfo.name) }
    }

    /// A class's `allowedTopologies` admit the node (none: every node).
    static func allowedTopologiesMatch(_ cls: JSON, nodeInfo: NodeInfo) -> Bool {
        guard let topologies = cls["allowedTopologies"]?.array, !topologies.isEmpty else { return true }
        return topologies.contains { term in
            (term["matchLabelExpressions"]?.array ?? []).allSatisfy { e in
                guard let key = e["key"]?.string, let value = nodeInfo.labels[key] else { return false }
                return (e["values"]?.array ?? []).contains(.string(value))
            }
        }
    }

    public var eventsToRegister: [ClusterEvent] {
        [ClusterEvent(.persistentVolumeClaim, [.add, .update]), ClusterEvent(.persistentVolume, [.add, .update]),
         ClusterEvent(.storageClass, [.add, .update]), ClusterEvent(.node, [.add, .updateNodeLabel])]
    }
}
