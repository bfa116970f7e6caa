import APIMachinery
import Testing
@testable import Registry

@Suite("LimitRanger admission")
struct LimitRangerTests {
    static func range(_ items: JSON...) -> JSON {
        ["metadata": ["name": "lr", "namespace": "default"], "spec": ["limits": .array(items)]]
    }

    static func pod(_ containers: [JSON], initContainers: [JSON] = []) -> JSON {
        var p: JSON = ["metadata": ["name": "p"], "spec": ["containers": .array(containers)]]
        if !initContainers.isEmpty { p[path: ["spec", "initContainers"]] = .array(initContainers) }
        return p
    }

    static func container(_ name: String, requests: JSON? = nil, limits: JSON? = nil, restartPolicy: String? = nil) -> JSON {
        var c: JSON = ["name": .string(name), "image": "nginx", "resources": [:]]
        if let requests { c[path: ["resources", "requests"]] = requests }
        if let limits { c[path: ["resources", "limits"]] = limits }
        if let restartPolicy { c["restartPolicy"] = .string(restartPolicy) }
        return c
    }

    static func violation(_ pod: JSON, _ item: JSON) -> String? {
        LimitRanger.violation(resource: "pods", object: pod, limitRanges: [range(item)])
    }

    // MARK: Defaults

    @Test func containersWithoutResourcesGetTheDefaultsAndTheAnnotationSaysSo() {
        let lr = Self.range(["type": "Container", "default": ["cpu": "500m", "memory": "256Mi"], "defaultRequest": ["cpu": "100m", "memory": "128Mi"]])
        var p = Self.pod([Self.container("c")], initContainers: [Self.container("setup")])
        LimitRanger.applyDefaults(toPod: &p, limitRanges: [lr])
        let c = p[path: ["spec", "containers"]]?[0]
        #expect(c?[path: ["resources", "limits"]] == ["cpu": "500m", "memory": "256Mi"])
        #expect(c?[path: ["resources", "requests"]] == ["cpu": "100m", "memory": "128Mi"])
        #expect(p[path: ["spec", "initContainers"]]?[0]?[path: ["resources", "limits", "memory"]] == "256Mi")
        #expect(p[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]]?.string ==
            "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c; "
            + "cpu, memory request for init container setup; cpu, memory limit for init container setup")
    }

    @Test func whatAContainerSetsIsKeptAndOnlyTheRestIsNamed() {
        let lr = Self.range(["type": "Container", "default": ["cpu": "500m", "memory": "256Mi"], "defaultRequest": ["cpu": "100m", "memory": "128Mi"]])
        var p = Self.pod([Self.container("c", requests: ["cpu": "1"], limits: ["cpu": "1"]), Self.container("d", requests: ["cpu": "200m", "memory": "1Gi"], limits: ["cpu": "2", "memory": "1Gi"])])
        LimitRanger.applyDefaults(toPod: &p, limitRanges: [lr])
        #expect(p[path: ["spec", "containers"]]?[0]?["resources"] == ["requests": ["cpu": "1", "memory": "128Mi"], "limits": ["cpu": "1", "memory": "256Mi"]])
        #expect(p[path: ["spec", "containers"]]?[1]?["resources"] == ["requests": ["cpu": "200m", "memory": "1Gi"], "limits": ["cpu": "2", "memory": "1Gi"]])
        #expect(p[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]]?.string ==
            "LimitRanger plugin set: memory request for container c; memory limit for container c")
    }

    @Test func nothingToSetLeavesThePodAlone() {
        let lr = Self.range(["type": "Pod", "max": ["cpu": "2"]], ["type": "Container", "max": ["memory": "1Gi"]])
        let original = Self.pod([Self.container("c")])
        var p = original
        LimitRanger.applyDefaults(toPod: &p, limitRanges: [lr])
        #expect(p == original)
    }

    @Test func onlyDefaultRequestSetsRequestsAlone() {
        let lr = Self.range(["type": "Container", "defaultRequest": ["cpu": "100m"]])
        var p = Self.pod([Self.container("c")])
        LimitRanger.applyDefaults(toPod: &p, limitRanges: [lr])
        #expect(p[path: ["spec", "containers"]]?[0]?["resources"] == ["requests": ["cpu": "100m"]])
        #expect(p[path: ["metadata", "annotations", "kubernetes.io/limit-ranger"]]?.string == "LimitRanger plugin set: cpu request for container c")
    }

    // MARK: Container items

    @Test func containerMaximumRefusesALimitOrRequestAboveIt() {
        let item: JSON = ["type": "Container", "max": ["cpu": "500m"]]
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "100m"], limits: ["cpu": "1"])]), item)
            == "maximum cpu usage per Container is 500m, but limit is 1")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "600m"], limits: ["cpu": "500m"])]), item)
            == "maximum cpu usage per Container is 500m, but request is 600m")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "100m"])]), item)
            == "maximum cpu usage per Container is 500m.  No limit is specified")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "500m"], limits: ["cpu": "0.5"])]), item) == nil)
    }

    @Test func containerMinimumRefusesARequestOrLimitBelowIt() {
        let item: JSON = ["type": "Container", "min": ["memory": "100Mi"]]
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["memory": "50Mi"])]), item)
            == "minimum memory usage per Container is 100Mi, but request is 50Mi")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["memory": "100Mi"], limits: ["memory": "64Mi"])]), item)
            == "minimum memory usage per Container is 100Mi, but limit is 64Mi")
        #expect(Self.violation(Self.pod([Self.container("c")]), item)
            == "minimum memory usage per Container is 100Mi.  No request is specified")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["memory": "100Mi"])]), item) == nil)
    }

    @Test func ratioIsLimitOverRequestWithSixDecimals() {
        let item: JSON = ["type": "Container", "maxLimitRequestRatio": ["cpu": "2"]]
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "250m"], limits: ["cpu": "1"])]), item)
            == "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "300m"], limits: ["cpu": "1"])]), item)
            == "cpu max limit to request ratio per Container is 2, but provided ratio is 3.333333")
        #expect(Self.violation(Self.pod([Self.container("c", limits: ["cpu": "1"])]), item)
            == "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "1"])]), item)
            == "cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0")
        #expect(Self.violation(Self.pod([Self.container("c", requests: ["cpu": "500m"], limits: ["cpu": "1"])]), item) == nil)
    }

    @Test func initContainersAreHeldToContainerItemsToo() {
        let item: JSON = ["type": "Container", "max": ["cpu": "1"]]
        let p = Self.pod([Self.container("c", limits: ["cpu": "1"])], initContainers: [Self.container("i", limits: ["cpu": "2"])])
        #expect(Self.violation(p, item) == "maximum cpu usage per Container is 1, but limit is 2")
    }

    @Test func severalBreachesAreListedInBracketsOnce() {
        let item: JSON = ["type": "Container", "max": ["cpu": "1", "memory": "1Gi"]]
        let p = Self.pod([Self.container("a", limits: ["cpu": "2", "memory": "2Gi"]), Self.container("b", limits: ["cpu": "2", "memory": "512Mi"])])
        #expect(Self.violation(p, item)
            == "[maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi]")
    }

    // MARK: Pod items

    @Test func podItemsJudgeTheSumOfTheContainers() {
        let item: JSON = ["type": "Pod", "max": ["cpu": "1"]]
        let two = Self.pod([Self.container("a", requests: ["cpu": "300m"], limits: ["cpu": "600m"]),
                            Self.container("b", requests: ["cpu": "300m"], limits: ["cpu": "600m"])])
        #expect(Self.violation(two, item) == "maximum cpu usage per Pod is 1, but limit is 1200m")
        let min: JSON = ["type": "Pod", "min": ["memory": "1Gi"]]
        let small = Self.pod([Self.container("a", requests: ["memory": "256Mi"]), Self.container("b", requests: ["memory": "256Mi"])])
        #expect(Self.violation(small, min) == "minimum memory usage per Pod is 1Gi, but request is 512Mi")
        let ratio: JSON = ["type": "Pod", "maxLimitRequestRatio": ["memory": "2"]]
        let loose = Self.pod([Self.container("a", requests: ["memory": "100Mi"], limits: ["memory": "300Mi"]),
                              Self.container("b", requests: ["memory": "100Mi"], limits: ["memory": "300Mi"])])
        #expect(Self.violation(loose, ratio) == "memory max limit to request ratio per Pod is 2, but provided ratio is 3.000000")
    }

    @Test func podTotalsTakeTheLargestInitContainerAndAddSidecars() {
        let pod = Self.pod([Self.container("app", requests: ["cpu": "200m"])],
                           initContainers: [Self.container("sidecar", requests: ["cpu": "100m"], restartPolicy: "Always"),
                                            Self.container("big", requests: ["cpu": "500m"]),
                                            Self.container("small", requests: ["cpu": "50m"])])
        // App 200m + sidecar 100m = 300m; the big init container runs beside the sidecar: 600m.
        #expect(PodResourceTotals.requests(pod) == ["cpu": Quantity(milli: 600)])
        let tiny = Self.pod([Self.container("app", requests: ["cpu": "200m"])],
                            initContainers: [Self.container("sidecar", requests: ["cpu": "100m"], restartPolicy: "Always")])
        #expect(PodResourceTotals.requests(tiny) == ["cpu": Quantity(milli: 300)])
    }

    // MARK: Claims and scope

    @Test func claimsAreHeldToTheirStorageRequest() {
        let lr = Self.range(["type": "PersistentVolumeClaim", "min": ["storage": "1Gi"], "max": ["storage": "10Gi"]])
        func claim(_ storage: String?) -> JSON {
            var c: JSON = ["metadata": ["name": "data"], "spec": ["resources": [:]]]
            if let storage { c[path: ["spec", "resources", "requests"]] = ["storage": .string(storage)] }
            return c
        }
        #expect(LimitRanger.violation(resource: "persistentvolumeclaims", object: claim("20Gi"), limitRanges: [lr])
            == "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi")
        #expect(LimitRanger.violation(resource: "persistentvolumeclaims", object: claim("500Mi"), limitRanges: [lr])
            == "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi")
        #expect(LimitRanger.violation(resource: "persistentvolumeclaims", object: claim(nil), limitRanges: [lr])
            == "[minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified, maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is specified]")
        #expect(LimitRanger.violation(resource: "persistentvolumeclaims", object: claim("5Gi"), limitRanges: [lr]) == nil)
        // Pod and Container items say nothing about claims.
        let podOnly = Self.range(["type": "Container", "max": ["storage": "1Gi"]])
        #expect(LimitRanger.violation(resource: "persistentvolumeclaims", object: claim("5Gi"), limitRanges: [podOnly]) == nil)
    }

    @Test func podsAreJudgedOnCreateOnlyClaimsAlsoOnUpdateAndNothingBeingDeleted() {
        let live: JSON = ["metadata": ["name": "x"]]
        let deleting: JSON = ["metadata": ["name": "x", "deletionTimestamp": "2026-01-01T00:00:00Z"]]
        #expect(LimitRanger.applies(group: "", resource: "pods", subresource: nil, old: nil))
        #expect(!LimitRanger.applies(group: "", resource: "pods", subresource: nil, old: live))
        #expect(!LimitRanger.applies(group: "", resource: "pods", subresource: "status", old: nil))
        #expect(LimitRanger.applies(group: "", resource: "persistentvolumeclaims", subresource: nil, old: live))
        #expect(!LimitRanger.applies(group: "", resource: "persistentvolumeclaims", subresource: nil, old: deleting))
        #expect(!LimitRanger.applies(group: "", resource: "persistentvolumeclaims", subresource: "status", old: live))
        #expect(!LimitRanger.applies(group: "apps", resource: "deployments", subresource: nil, old: nil))
    }

    @Test func theFirstRangeBrokenIsTheOneReported() {
        let loose = Self.range(["type": "Container", "max": ["cpu": "4"]])
        let strict = Self.range(["type": "Container", "max": ["cpu": "1"], "min": ["cpu": "100m"]])
        let p = Self.pod([Self.container("c", requests: ["cpu": "50m"], limits: ["cpu": "2"])])
        #expect(LimitRanger.violation(resource: "pods", object: p, limitRanges: [loose, strict])
            == "[minimum cpu usage per Container is 100m, but request is 50m, maximum cpu usage per Container is 1, but limit is 2]")
    }
}
