import APIMachinery
import CRI
import Testing
@testable import Kubelet

@Suite("CRIConfigBuilder")
struct CRIConfigBuilderTests {
    let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1", "labels": ["app": "web"]],
        "spec": ["terminationGracePeriodSeconds": 5,
                 "containers": [["name": "nginx", "image": "nginx:alpine", "ports": [["containerPort": 80, "hostPort": 8080]]]]],
    ]

    @Test func sandboxCarriesIdentityLabelsDNSAndCgroup() {
        let dns = PodDNS(servers: ["10.96.0.10"], searches: ["shop.svc.cluster.local"], options: ["ndots:5"])
        let c = CRIConfigBuilder.sandboxConfig(pod: pod, attempt: 1, logDirectory: "/logs/shop_web_u-1", cgroupParent: "/skiff/c/n/podu-1", dns: dns)
        #expect(c.metadata.name == "web" && c.metadata.namespace == "shop" && c.metadata.uid == "u-1" && c.metadata.attempt == 1)
        #expect(c.labels["io.kubernetes.pod.uid"] == "u-1")
        #expect(c.labels["app"] == "web")
        #expect(c.annotations["io.kubernetes.pod.terminationGracePeriod"] == "5")
        #expect(c.dnsConfig.servers == ["10.96.0.10"])
        #expect(c.linux.cgroupParent == "/skiff/c/n/podu-1")
        #expect(c.portMappings.first?.hostPort == 8080)
        #expect(c.hostname == "web")
    }

    @Test func containerExpandsVariablesAndMapsResources() {
        let container: JSON = [
            "name": "app", "image": "busybox:1.35", "command": ["sh", "-c"], "args": ["echo $(GREETING) $$(HOME)"],
            "stdin": true, "tty": true,
            "resources": ["requests": ["cpu": "250m", "memory": "64Mi"], "limits": ["cpu": "500m", "memory": "128Mi"]],
        ]
        let c = CRIConfigBuilder.containerConfig(pod: pod, container: container, kind: "app", attempt: 2, imageRef: "sha256:abc",
                                                 env: [("GREETING", "hello")], mounts: [ContainerMount(containerPath: "/data", hostPath: "/v", readOnly: true)])
        #expect(c.args == ["echo hello $(HOME)"])
        #expect(c.logPath == "app/2.log")
        #expect(c.envs.map(\.key) == ["GREETING"])
        #expect(c.mounts.first?.readonly == true)
        #expect(c.linux.resources.cpuShares == 256)
        #expect(c.linux.resources.cpuQuota == 50_000 && c.linux.resources.cpuPeriod == 100_000)
        #expect(c.linux.resources.memoryLimitInBytes == 128 * 1024 * 1024)
        #expect(c.linux.resources.oomScoreAdj == 500)
        #expect(c.stdin && c.tty && !c.stdinOnce)
        #expect(c.image.image == "sha256:abc")
    }

    @Test func hostsFileNamesThePod() {
        let text = CRIConfigBuilder.hostsFile(pod: pod, podIP: "10.244.0.7")
        #expect(text.contains("127.0.0.1\tlocalhost"))
        #expect(text.contains("10.244.0.7\tweb\n"))
    }

    @Test func pullPolicyDefaultsAsUpstream() {
        #expect(ContainerdRuntime.pullPolicy(["image": "nginx"]) == "Always")
        #expect(ContainerdRuntime.pullPolicy(["image": "nginx:latest"]) == "Always")
        #expect(ContainerdRuntime.pullPolicy(["image": "nginx:alpine"]) == "IfNotPresent")
        #expect(ContainerdRuntime.pullPolicy(["image": "localhost:5000/app"]) == "Always")
        #expect(ContainerdRuntime.pullPolicy(["image": "nginx", "imagePullPolicy": "Never"]) == "Never")
    }
}
