import APIMachinery
import Client
import Foundation
import Testing
import TestSupport

@testable import Controllers

@Suite(.timeLimit(.minutes(1)))
struct ClusterRoleAggregationControllerTests {
    static let roles = ResourcePath(group: "rbac.authorization.k8s.io", resource: "clusterroles")

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let c = ClusterRoleAggregationController(client: client, informers: informers)
        ControllerQueues.track(c.queue, workers: 1)
        return [{ await c.run(workers: 1) }]
    }

    func rules(_ c: KubeClient, _ name: String) async throws -> [JSON] {
        try await c.get(Self.roles, name)["rules"]?.array ?? []
    }

    @Test func aggregatedRolesFollowTheRolesTheySelect() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(Self.roles, ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                            "metadata": ["name": "monitoring"],
                                            "aggregationRule": ["clusterRoleSelectors": [["matchLabels": ["team": "mon"]]]]])
            let crontabs: JSON = ["verbs": ["get"], "apiGroups": ["stable.example.com"], "resources": ["crontabs"]]
            try await c.create(Self.roles, ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                            "metadata": ["name": "crontab-reader", "labels": ["team": "mon"]], "rules": [crontabs]])
            #expect(try await eventually { try await rules(c, "monitoring") == [crontabs] })
            // A second selected role adds its rules; a change of a member's rules follows; unlabelled, it leaves.
            let pods: JSON = ["verbs": ["list"], "apiGroups": [""], "resources": ["pods"]]
            try await c.create(Self.roles, ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                                            "metadata": ["name": "pod-lister", "labels": ["team": "mon"]], "rules": [pods]])
            #expect(try await eventually { try await rules(c, "monitoring") == [crontabs, pods] })
            try await c.patch(Self.roles, "crontab-reader", ["metadata": ["labels": ["team": .null]]])
            #expect(try await eventually { try await rules(c, "monitoring") == [pods] })
            #expect(try await cluster.quiesced())
        }
    }
}
