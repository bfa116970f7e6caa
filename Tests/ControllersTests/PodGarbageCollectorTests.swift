import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct PodGarbageCollectorTests {
    @Test func podsOfADeletedNodeAreDeletedAfterTheQuarantine() async throws {
        try await withControllers({ client, informers, _ in
            let gc = PodGarbageCollector(client: client, informers: informers, quarantine: .milliseconds(200))
            return [{ await gc.run(workers: 1) }]
        }) { cluster in
            let c = cluster.client
            try await c.create(.nodes, nodeObject("n1"))
            try await c.create(.nodes, nodeObject("n2"))
            for (name, node) in [("a", "n1"), ("b", "n2")] {
                try await c.create(podsInT, ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                                             "spec": ["nodeName": .string(node), "containers": [["name": "c", "image": "busybox:1.35"]]]])
            }
            try await c.delete(.nodes, "n1")
            #expect(try await eventually { try await c.items(podsInT).map(\.name) == ["b"] })
        }
    }
}
