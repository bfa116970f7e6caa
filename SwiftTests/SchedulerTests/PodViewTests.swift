import APIMachinery
import Testing
@testable import Scheduler

@Suite("Pod and node views")
struct PodViewTests {
    private func pod(containers: [JSON], initContainers: [JSON] = [], overhead: JSON? = nil) throws -> PodView {
        var spec: [String: JSON] = ["containers": .array(containers)]
        if !initContainers.isEmpty { spec["initContainers"] = .array(initContainers) }
        if let overhead { spec["overhead"] = overhead }
        return try PodView(json: ["metadata": ["name": "p", "namespace": "default", "uid": "u"], "spec": .object(spec)])
    }

    private func container(_ requests: [String: JSON], restartAlways: Bool = false) -> JSON {
        var c: JSON = ["name": "c", "image": "i", "resources": ["requests": .object(requests)]]
        if restartAlways { c["restartPolicy"] = "Always" }
        return c
    }

    @Test func appContainersAreSummed() throws {
        let p = try pod(containers: [container(["cpu": "100m", "memory": "64Mi"]), container(["cpu": "0.2", "memory": "64Mi"])])
        #expect(p.requests.milliCPU == 300)
        #expect(p.requests.memory == 128 * 1024 * 1024)
        #expect(p.nonZeroMilliCPU == 300)
    }

    @Test func initContainersSetTheFloorPerResource() throws {
        // init: 500m cpu but little memory; apps: 300m, 256Mi → 500m and 256Mi.
        let p = try pod(containers: [container(["cpu": "100m", "memory": "128Mi"]), container(["cpu": "200m", "memory": "128Mi"])],
                        initContainers: [container(["cpu": "500m", "memory": "16Mi"]), container(["cpu": "50m"])])
        #expect(p.requests.milliCPU == 500)
        #expect(p.requests.memory == 256 * 1024 * 1024)
    }

    @Test func overheadIsAddedAfterTheMax() throws {
        let p = try pod(containers: [container(["cpu": "100m"])], initContainers: [container(["cpu": "1"])],
                        overhead: ["cpu": "250m", "memory": "10Mi"])
        #expect(p.requests.milliCPU == 1250)
        #expect(p.requests.memory == 10 * 1024 * 1024)
    }

    @Test func sidecarsRunBesideLaterInitContainersAndTheApp() throws {
        // sidecar 100m (restartPolicy Always), then init 200m (runs with the sidecar: 300m), app 150m
        // (runs with the sidecar: 250m) → 300m.
        let p = try pod(containers: [container(["cpu": "150m"])],
                        initContainers: [container(["cpu": "100m"], restartAlways: true), container(["cpu": "200m"])])
        #expect(p.requests.milliCPU == 300)
        // An init container placed before the sidecar runs alone.
        let q = try pod(containers: [container(["cpu": "150m"])],
                        initContainers: [container(["cpu": "200m"]), container(["cpu": "100m"], restartAlways: true)])
        #expect(q.requests.milliCPU == 250)
    }

    @Test func nonZeroDefaultsOnlyFillMissingRequests() throws {
        let bare = try pod(containers: [container([:]), container(["cpu": "0"])])
        #expect(bare.requests.milliCPU == 0 && bare.requests.memory == 0)
        // The first container gets 100m / 200Mi; the second set cpu to 0 explicitly, memory defaults.
        #expect(bare.nonZeroMilliCPU == 100)
        #expect(bare.nonZeroMemory == 2 * 200 * 1024 * 1024)
    }

    @Test func extendedResourcesAreScalarAndUnknownNativeNamesIgnored() throws {
        let p = try pod(containers: [container(["example.com/gpu": "2", "hugepages-2Mi": "4Mi", "storage": "1Gi",
                                                "ephemeral-storage": "1Gi"])])
        #expect(p.requests.scalar == ["example.com/gpu": 2, "hugepages-2Mi": 4 * 1024 * 1024])
        #expect(p.requests.ephemeralStorage == 1 << 30)
        #expect(ResourceList.isScalarResourceName("requests.example.com/x") == false)
        #expect(ResourceList.isScalarResourceName("kubernetes.io/batteries"))
    }

    @Test func limitsStandInForMissingRequests() throws {
        let c: JSON = ["name": "c", "image": "i", "resources": ["requests": ["cpu": "100m"], "limits": ["cpu": "500m", "memory": "1Gi"]]]
        let p = try pod(containers: [c], initContainers: [["name": "i", "image": "i", "resources": ["limits": ["cpu": "2"]]]])
        #expect(p.requests.milliCPU == 2000)
        #expect(p.requests.memory == 1 << 30)
        let q = try pod(containers: [c])
        #expect(q.requests.milliCPU == 100 && q.nonZeroMemory == 1 << 30)
    }

    @Test func badQuantitiesAreReportedWithTheirField() throws {
        #expect(throws: SchedulingDecodeError("requests[cpu]: unable to parse quantity's suffix")) {
            try pod(containers: [container(["cpu": "1K"])])
        }
    }

    @Test func schedulingFieldsDecode() throws {
        let p = Fixtures.pod("web", cpu: "100m", namespace: "team", priority: 1000, spec: [
            "nodeSelector": ["disk": "ssd"],
            "tolerations": [["key": "k", "operator": "Exists", "effect": "NoSchedule"]],
            "preemptionPolicy": "Never",
            "schedulingGates": [["name": "example.com/wait"]],
            "containers": [["name": "app", "image": "nginx",
                            "ports": [["containerPort": 80, "hostPort": 8080], ["containerPort": 81],
                                      ["containerPort": 53, "hostPort": 53, "protocol": "UDP", "hostIP": "10.0.0.1"]]]],
        ])
        #expect(p.key == "team/web")
        #expect(p.schedulerName == "default-scheduler")
        #expect(p.priority == 1000)
        #expect(p.preemptionPolicy == "Never")
        #expect(p.requiredNodeAffinity.nodeSelector == ["disk": "ssd"])
        #expect(p.requiredNodeAffinity.terms == nil)
        #expect(p.tolerations == [Toleration(key: "k", operator: "Exists", effect: "NoSchedule")])
        #expect(p.hostPorts == [HostPort(port: 8080), HostPort(hostIP: "10.0.0.1", protocol: "UDP", port: 53)])
        #expect(p.hostPorts[0].hostIP == "0.0.0.0" && p.hostPorts[0].protocol == "TCP")
        #expect(p.isGated)
    }

    @Test func nodeViewReadsAllocatableTaintsAndReadiness() throws {
        let n = Fixtures.node("n1", cpu: "3500m", memory: "8Gi", pods: "10", labels: ["zone": "a"],
                              taints: [Fixtures.controlPlaneTaint], unschedulable: true, extra: ["example.com/gpu": "4"])
        #expect(n.allocatable == ResourceList(milliCPU: 3500, memory: 8 << 30, allowedPods: 10, scalar: ["example.com/gpu": 4]))
        #expect(n.taints == [Taint(key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule")])
        #expect(n.unschedulable && n.isReady == true && n.labels == ["zone": "a"])
        // Without allocatable, capacity stands in (the API server's defaulting).
        let c = try NodeView(json: ["metadata": ["name": "c"], "status": ["capacity": ["cpu": "2", "pods": "5"],
                                                                          "conditions": [["type": "Ready", "status": "False"]]]])
        #expect(c.allocatable.milliCPU == 2000 && c.allocatable.allowedPods == 5 && c.isReady == false)
    }
}
