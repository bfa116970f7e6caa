import APIMachinery
import Client
import Logging
import Testing
import TestSupport
@testable import Scheduler

/// The running scheduler against a real in-process API server: bindings and the Events upstream writes.
@Suite(.timeLimit(.minutes(1)))
struct SchedulerServiceTests {
    static let podsInT = ResourcePath.pods.inNamespace("t")

    static func node(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Node",
         "metadata": ["name": .string(name), "labels": ["kubernetes.io/hostname": .string(name)]],
         "status": ["capacity": ["cpu": "4", "memory": "16Gi", "pods": "110"],
                    "allocatable": ["cpu": "4", "memory": "16Gi", "pods": "110"],
                    "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]]]]
    }

    static func pod(_ name: String, cpu: String) -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
         "spec": ["containers": [["name": "c", "image": "nginx:alpine", "resources": ["requests": ["cpu": .string(cpu)]]]]]]
    }

    func events(_ client: KubeClient, about name: String) async throws -> [JSON] {
        (try await client.list(.events.inNamespace("t"))["items"]?.array ?? [])
            .filter { $0[path: ["involvedObject", "name"]]?.string == name }
    }

    @Test func bindsWhatFitsAndRecordsScheduledAndFailedSchedulingEvents() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client(userAgent: "scheduler-tests")
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "t"]])
        try await client.create(.nodes, Self.node("n1"))
        let fits = try await client.create(Self.podsInT, Self.pod("fits", cpu: "500m"))
        try await client.create(Self.podsInT, Self.pod("huge", cpu: "64"))
        var logger = Logger(label: "scheduler-tests")
        logger.logLevel = .critical
        let service = SchedulerService(client: client, logger: logger)
        let run = Background { await service.run() }

        #expect(try await eventually { try await client.get(Self.podsInT, "fits")[path: ["spec", "nodeName"]] == "n1" })
        #expect(try await eventually { try await events(client, about: "fits").count == 1 })
        let scheduled = try #require(try await events(client, about: "fits").first)
        #expect(scheduled["reason"] == "Scheduled" && scheduled["type"] == "Normal")
        #expect(scheduled["message"] == "Successfully assigned t/fits to n1")
        #expect(scheduled["source"] == ["component": "default-scheduler"])
        #expect(scheduled["reportingComponent"] == "default-scheduler")
        #expect(scheduled[path: ["involvedObject", "kind"]] == "Pod")
        #expect(scheduled[path: ["involvedObject", "uid"]] == fits[path: ["metadata", "uid"]])
        #expect(scheduled["count"] == 1)

        #expect(try await eventually { try await events(client, about: "huge").count == 1 })
        let failed = try #require(try await events(client, about: "huge").first)
        #expect(failed["reason"] == "FailedScheduling" && failed["type"] == "Warning")
        #expect(failed["message"]?.string?.hasPrefix("0/1 nodes are available") == true)
        #expect(try await eventually {
            let conditions = try await client.get(Self.podsInT, "huge")[path: ["status", "conditions"]]?.array ?? []
            return conditions.contains { $0["type"] == "PodScheduled" && $0["status"] == "False" && $0["reason"] == "Unschedulable" }
        })
        #expect(try await client.get(Self.podsInT, "huge")[path: ["spec", "nodeName"]] == nil)

        // `run()` owns its bindings and event writers: cancelling it ends them all, and it returns.
        await run.stop()
        await client.shutdown()
        await server.stop()
    }
}
