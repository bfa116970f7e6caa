import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct RootCACertPublisherTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n"

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let c = RootCACertPublisher(client: client, informers: informers, rootCA: Self.pem)
        return [{ await c.run(workers: 1) }]
    }

    @Test func everyNamespaceGetsTheCAAndKeepsIt() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            @Sendable func caData(_ ns: String) async -> String? {
                (try? await c.get(ResourcePath.configmaps.inNamespace(ns), "kube-root-ca.crt"))?["data"]?["ca.crt"]?.string
            }
            for ns in ["default", "kube-system", "kube-public", "t"] {
                #expect(try await eventually { await caData(ns) == Self.pem })
            }
            let cm = try await c.get(ResourcePath.configmaps.inNamespace("t"), "kube-root-ca.crt")
            #expect(cm[path: ["metadata", "annotations", "kubernetes.io/description"]]?.string?.hasPrefix("Contains a CA bundle") == true)

            try await c.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "fresh"]])
            #expect(try await eventually { await caData("fresh") == Self.pem })

            // Edited: put back. Deleted: made again.
            var edited = cm
            edited["data"] = ["ca.crt": "forged"]
            try await c.update(ResourcePath.configmaps.inNamespace("t"), edited)
            #expect(try await eventually { await caData("t") == Self.pem })
            try await c.delete(ResourcePath.configmaps.inNamespace("t"), "kube-root-ca.crt")
            #expect(try await eventually { await caData("t") == Self.pem })
        }
    }
}
