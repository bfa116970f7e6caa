import APIMachinery
import Synchronization
import Testing
@testable import Scheduler

/// Claims, volumes and classes held in memory for the plugin.
final class MemoryVolumeListers: VolumeBindingListers, @unchecked Sendable {
    let lock = Mutex<(claims: [String: JSON], volumes: [String: JSON], classes: [String: JSON])>(([:], [:], [:]))

    func claim(namespace: String, name: String) -> JSON? { lock.withLock { $0.claims["\(namespace)/\(name)"] } }
    func volume(named name: String) -> JSON? { lock.withLock { $0.volumes[name] } }
    func volumes() -> [JSON] { lock.withLock { Array($0.volumes.values) } }
    func storageClass(named name: String) -> JSON? { lock.withLock { $0.classes[name] } }

    func add(claim: JSON) { lock.withLock { $0.claims["\(claim[path: ["metadata", "namespace"]]!.string!)/\(claim[path: ["metadata", "name"]]!.string!)"] = claim } }
    func add(volume: JSON) { lock.withLock { $0.volumes[volume[path: ["metadata", "name"]]!.string!] = volume } }
    func add(class c: JSON) { lock.withLock { $0.classes[c[path: ["metadata", "name"]]!.string!] = c } }
}

/// Records what PreBind writes, and plays the binder: each write makes the claim bound.
final class RecordingWriter: VolumeBindingWriter, @unchecked Sendable {
    let listers: MemoryVolumeListers
    let writes = Mutex<[String]>([])
    init(listers: MemoryVolumeListers) { self.listers = listers }

    func bindVolume(_ volume: String, to claim: JSON) async throws {
        writes.withLock { $0.append("bind \(volume) \(claim[path: ["metadata", "name"]]!.string!)") }
        complete(claim, volume: volume)
    }

    func selectNode(_ node: String, forClaim namespace: String, _ name: String) async throws {
        writes.withLock { $0.append("select \(node) \(name)") }
        complete(listers.claim(namespace: namespace, name: name)!, volume: "pvc-\(name)")
    }

    func complete(_ claim: JSON, volume: String) {
        var c = claim
        c[path: ["spec", "volumeName"]] = .string(volume)
        c[path: ["metadata", "annotations", "pv.kubernetes.io/bind-completed"]] = "yes"
        listers.add(claim: c)
    }
}

@Suite("VolumeBinding")
struct VolumeBindingTests {
    static func claim(_ name: String, class cls: String = "standard", volumeName: String? = nil, bound: Bool = false) -> JSON {
        var c: JSON = ["metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")],
                       "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]],
                                "storageClassName": .string(cls), "volumeMode": "Filesystem"],
                       "status": ["phase": bound ? "Bound" : "Pending"]]
        if let volumeName { c[path: ["spec", "volumeName"]] = .string(volumeName) }
        if bound { c[path: ["metadata", "annotations"]] = ["pv.kubernetes.io/bind-completed": "yes"] }
        return c
    }

    static func volume(_ name: String, node: String?, class cls: String = "standard", size: String = "1Gi") -> JSON {
        var v: JSON = ["metadata": ["name": .string(name)],
                       "spec": ["accessModes": ["ReadWriteOnce"], "capacity": ["storage": .string(size)], "storageClassName": .string(cls),
                                "hostPath": ["path": "/data"], "volumeMode": "Filesystem"],
                       "status": ["phase": "Available"]]
        if let node {
            v[path: ["spec", "nodeAffinity"]] = ["required": ["nodeSelectorTerms": [
                ["matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(node)]]]]]]]
        }
        return v
    }

    static func storageClass(_ name: String, mode: String, provisioner: String = "rancher.io/local-path") -> JSON {
        ["metadata": ["name": .string(name)], "provisioner": .string(provisioner), "volumeBindingMode": .string(mode)]
    }

    static func pod(claims: [String]) -> PodView {
        Fixtures.pod("p", spec: ["volumes": .array(claims.map { ["name": .string($0), "persistentVolumeClaim": ["claimName": .string($0)]] })])
    }

    static let nodeA = NodeInfo(node: Fixtures.node("a", labels: ["kubernetes.io/hostname": "a"]))
    static let nodeB = NodeInfo(node: Fixtures.node("b", labels: ["kubernetes.io/hostname": "b"]))

    @Test func podsWithoutClaimsSkipThePlugin() {
        let plugin = VolumeBinding(listers: MemoryVolumeListers(), writer: nil)
        #expect(plugin.preFilter(pod: Fixtures.pod("p"), state: CycleState()) == .skip)
    }

    @Test func missingDeletedAndUnboundImmediateClaimsRejectThePod() {
        let listers = MemoryVolumeListers()
        let plugin = VolumeBinding(listers: listers, writer: nil)
        #expect(plugin.preFilter(pod: Self.pod(claims: ["data"]), state: CycleState())
                == .reject(Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"data\" not found")))
        listers.add(class: Self.storageClass("fast", mode: "Immediate"))
        listers.add(claim: Self.claim("data", class: "fast"))
        #expect(plugin.preFilter(pod: Self.pod(claims: ["data"]), state: CycleState())
                == .reject(Status(.unschedulableAndUnresolvable, "pod has unbound immediate PersistentVolumeClaims")))
        var deleting = Self.claim("data", class: "fast")
        deleting[path: ["metadata", "deletionTimestamp"]] = "2026-01-01T00:00:00Z"
        listers.add(claim: deleting)
        #expect(plugin.preFilter(pod: Self.pod(claims: ["data"]), state: CycleState())
                == .reject(Status(.unschedulableAndUnresolvable, "persistentvolumeclaim \"data\" is being deleted")))
    }

    @Test func boundVolumesKeepThePodOnTheirNode() {
        let listers = MemoryVolumeListers()
        listers.add(claim: Self.claim("data", volumeName: "pv-a", bound: true))
        listers.add(volume: Self.volume("pv-a", node: "a"))
        let plugin = VolumeBinding(listers: listers, writer: nil)
        let state = CycleState()
        let pod = Self.pod(claims: ["data"])
        #expect(plugin.preFilter(pod: pod, state: state) == .allNodes)
        #expect(plugin.filter(pod: pod, nodeInfo: Self.nodeA, state: state) == nil)
        #expect(plugin.filter(pod: pod, nodeInfo: Self.nodeB, state: state)
                == Status(.unschedulableAndUnresolvable, "node(s) had volume node affinity conflict"))
    }

    @Test func waitForFirstConsumerClaimsTakeALocalVolumeOrAreProvisioned() async {
        let listers = MemoryVolumeListers()
        listers.add(class: Self.storageClass("local", mode: "WaitForFirstConsumer", provisioner: "kubernetes.io/no-provisioner"))
        listers.add(class: Self.storageClass("standard", mode: "WaitForFirstConsumer"))
        listers.add(volume: Self.volume("pv-b", node: "b", class: "local"))
        listers.add(claim: Self.claim("static", class: "local"))
        listers.add(claim: Self.claim("dynamic"))
        let writer = RecordingWriter(listers: listers)
        let plugin = VolumeBinding(listers: listers, writer: writer, bindTimeout: .seconds(5), pollInterval: .milliseconds(1))
        let state = CycleState()
        let pod = Self.pod(claims: ["static", "dynamic"])
        #expect(plugin.preFilter(pod: pod, state: state) == .allNodes)
        // Only node b has a volume for the no-provisioner claim.
        #expect(plugin.filter(pod: pod, nodeInfo: Self.nodeA, state: state)
                == Status(.unschedulableAndUnresolvable, "node(s) didn't find available persistent volumes to bind"))
        #expect(plugin.filter(pod: pod, nodeInfo: Self.nodeB, state: state) == nil)
        #expect(plugin.reserve(pod: pod, nodeName: "b", state: state) == nil)
        // Reserved: another pod's cycle no longer sees the volume.
        let other = CycleState()
        let otherPod = Self.pod(claims: ["static"])
        _ = plugin.preFilter(pod: otherPod, state: other)
        #expect(plugin.filter(pod: otherPod, nodeInfo: Self.nodeB, state: other) != nil)
        #expect(await plugin.preBind(pod: pod, nodeName: "b", state: state) == nil)
        plugin.unreserve(pod: pod, nodeName: "b", state: state)
        #expect(writer.writes.withLock { $0 } == ["bind pv-b static", "select b dynamic"])
    }

    @Test func preBindTimesOutWhenNothingBindsTheClaim() async {
        final class SilentWriter: VolumeBindingWriter {
            func bindVolume(_ volume: String, to claim: JSON) async throws {}
            func selectNode(_ node: String, forClaim namespace: String, _ name: String) async throws {}
        }
        let listers = MemoryVolumeListers()
        listers.add(class: Self.storageClass("standard", mode: "WaitForFirstConsumer"))
        listers.add(claim: Self.claim("dynamic"))
        let plugin = VolumeBinding(listers: listers, writer: SilentWriter(), bindTimeout: .milliseconds(50), pollInterval: .milliseconds(5))
        let state = CycleState()
        let pod = Self.pod(claims: ["dynamic"])
        _ = plugin.preFilter(pod: pod, state: state)
        #expect(plugin.filter(pod: pod, nodeInfo: Self.nodeA, state: state) == nil)
        _ = plugin.reserve(pod: pod, nodeName: "a", state: state)
        #expect(await plugin.preBind(pod: pod, nodeName: "a", state: state) == Status(.error, "binding volumes: context deadline exceeded"))
    }
}
