import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct ControllerManagerTests {
    func options(_ identity: String) -> ControllerManagerOptions {
        var o = ControllerManagerOptions()
        o.identity = identity
        o.leaseDuration = .seconds(3)
        o.renewDeadline = .seconds(2)
        o.retryPeriod = .milliseconds(500)
        o.logger.logLevel = .critical
        return o
    }

    @Test func leaderRunsEveryControllerOverSharedInformers() async throws {
        let cluster = try await TestCluster.start()
        let c = cluster.client
        let manager = Background { try? await runControllerManager(client: c, options: options("cm-one")) }
        let standby = Background { try? await runControllerManager(client: c, options: options("cm-two")) }
        let kubelet = FakeKubelet(client: c)
        let kubeletTask = Background { await kubelet.run() }
        do {
            let lease = ResourcePath.leases.inNamespace("kube-system")
            #expect(try await eventually {
                let holder = (try? await c.get(lease, "kube-controller-manager"))?[path: ["spec", "holderIdentity"]]?.string
                return holder == "cm-one" || holder == "cm-two"
            })
            let leader = try await c.get(lease, "kube-controller-manager")[path: ["spec", "holderIdentity"]]?.string ?? ""
            #expect(try await eventually {
                try await c.eventMessages(namespace: "kube-system", about: "kube-controller-manager")
                    .contains { $0 == ("LeaderElection", "\(leader) became leader") }
            })

            var d = deployment("nginx", replicas: 3, labels: ["app": "nginx"])
            d[path: ["spec", "progressDeadlineSeconds"]] = 600
            try await c.create(deploymentsInT, d)
            try await c.create(.services.inNamespace("t"), ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "nginx-service"],
                                                          "spec": ["selector": ["app": "nginx"], "ports": [["port": 80, "targetPort": 80, "protocol": "TCP"]]]])
            #expect(try await eventually(timeout: .seconds(15)) {
                let ep = try? await c.get(.endpoints.inNamespace("t"), "nginx-service")
                let addresses = ep?["subsets"]?[0]?["addresses"]?.array ?? []
                return addresses.count == 3 && ep?["subsets"]?[0]?["ports"]?[0]?["port"] == 80
            })
            #expect(try await eventually {
                let slices = try await c.items(.endpointslices.inNamespace("t"), labelSelector: "kubernetes.io/service-name=nginx-service")
                return slices.count == 1 && slices[0]["endpoints"]?.array?.count == 3
            })
            let rs = try #require(try await c.items(replicaSetsInT).first)
            #expect(try await eventually {
                let events = try await c.eventMessages(about: rs.name)
                return events.filter { $0.0 == "SuccessfulCreate" && $0.1.hasPrefix("Created pod: \(rs.name)-") }.count == 3
            })
            #expect(try await eventually {
                try await c.eventMessages(about: "nginx").contains { $0 == ("ScalingReplicaSet", "Scaled up replica set \(rs.name) from 0 to 3") }
            })
            #expect(try await eventually { (try? await c.get(.serviceaccounts.inNamespace("t"), "default")) != nil })

            // Deleting the Deployment (kubectl's default: background) takes its ReplicaSet and pods along.
            try await c.delete(deploymentsInT, "nginx", options: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"])
            #expect(try await eventually {
                let rss = try await c.items(replicaSetsInT), pods = try await c.items(podsInT)
                return rss.isEmpty && pods.isEmpty
            })
            #expect(try await c.get(lease, "kube-controller-manager")[path: ["spec", "holderIdentity"]]?.string == leader)
        } catch {
            Issue.record(error)
        }
        await kubeletTask.stop()
        await manager.stop()
        await standby.stop()
        await cluster.stop()
    }

    @Test func withoutLeaderElectionRunsAtOnceAndStopsWhenCancelled() async throws {
        let cluster = try await TestCluster.start()
        let c = cluster.client
        var o = options("solo")
        o.leaderElect = false
        o.controllers = ["serviceaccount-controller"]
        let solo = o
        let manager = Background { try? await runControllerManager(client: c, options: solo) }
        #expect(try await eventually { (try? await c.get(.serviceaccounts.inNamespace("t"), "default")) != nil })
        await #expect(throws: APIError.self) { try await c.get(.leases.inNamespace("kube-system"), "kube-controller-manager") }
        // Stopping returns: the suite's time limit fails a manager that does not end when cancelled.
        await manager.stop()
        await cluster.stop()
    }

    /// `--use-service-account-credentials`: each controller's requests go with its own account's token (the
    /// account made by the manager in kube-system), and the manager still stops when cancelled.
    @Test func withServiceAccountCredentialsEachControllerGetsItsAccount() async throws {
        let t = try await TokenIssuingCluster()
        let c = t.root
        try await c.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "t"]])
        var o = options("sa")
        o.leaderElect = false
        o.controllers = ["serviceaccount-controller", "replicaset-controller"]
        o.useServiceAccountCredentials = true
        let opts = o
        let manager = Background { try? await runControllerManager(client: c, options: opts) }
        #expect(try await eventually { (try? await c.get(.serviceaccounts.inNamespace("t"), "default")) != nil })
        #expect(try await eventually { (try? await c.get(.serviceaccounts.inNamespace("kube-system"), "service-account-controller")) != nil })
        try await c.create(replicaSetsInT, replicaSet("web", replicas: 2, labels: ["app": "web"]))
        #expect(try await eventually { (try await c.items(.pods.inNamespace("t"), labelSelector: "app=web")).count == 2 })
        #expect(try await c.get(.serviceaccounts.inNamespace("kube-system"), "replicaset-controller")[path: ["metadata", "name"]] == "replicaset-controller")
        // Controllers that did not run made no account.
        await #expect(throws: APIError.self) { try await c.get(.serviceaccounts.inNamespace("kube-system"), "deployment-controller") }
        await manager.stop()
        await t.stop()
    }

    @Test func optionsDefaultsMatchUpstream() {
        let o = ControllerManagerOptions()
        #expect(o.leaseName == "kube-controller-manager" && o.leaseNamespace == "kube-system")
        #expect(o.nodeMonitorGracePeriod == .seconds(40))
        #expect(o.controllers == ControllerManagerOptions.allControllers)
        #expect(!o.useServiceAccountCredentials)
        #expect(o.identity.contains("_") && o.identity != ControllerManagerOptions().identity)
    }
}
