import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct ServiceAccountControllerTests {
    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let c = ServiceAccountController(client: client, informers: informers)
        ControllerQueues.track(c.queue, workers: 1)
        return [{ await c.run(workers: 1) }]
    }

    @Test func everyNamespaceGetsTheDefaultAccountBack() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let sa = ResourcePath.serviceaccounts
            // The namespaces that exist at start, and one created later.
            for ns in ["default", "kube-system", "t"] {
                #expect(try await eventually { (try? await c.get(sa.inNamespace(ns), "default")) != nil })
            }
            try await c.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fresh"]])
            #expect(try await eventually { (try? await c.get(sa.inNamespace("fresh"), "default")) != nil })
            // Deleted: it comes back, as a new object.
            let before = try await c.get(sa.inNamespace("fresh"), "default")
            try await c.delete(sa.inNamespace("fresh"), "default")
            #expect(try await eventually {
                guard let now = try? await c.get(sa.inNamespace("fresh"), "default") else { return false }
                return now.uid != before.uid
            })
            // Other accounts are left alone.
            try await c.create(sa.inNamespace("t"), ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "builder"]])
            try await c.delete(sa.inNamespace("t"), "builder")
            #expect(try await cluster.quiesced())
            await #expect(throws: APIError.self) { try await c.get(sa.inNamespace("t"), "builder") }
        }
    }
}
