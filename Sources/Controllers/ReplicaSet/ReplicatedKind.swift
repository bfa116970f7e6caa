import APIMachinery
import Client

/// What the ReplicaSet controller needs to know about the kind it manages. Upstream runs the same
/// controller for ReplicationControllers (`NewReplicationManager` over adapted informers); here the
/// kind is a parameter: its names, where it lives, and how its selector reads.
struct ReplicatedKind: Sendable {
    var kind: String
    var apiVersion: String
    /// The groups a controller reference to it may carry.
    var groups: [String]
    var resource: ResourcePath
    /// The work queue's name in logs.
    var loopName: String
    /// The label selector of one object of the kind.
    var selector: @Sendable (JSON) throws -> LabelSelector

    static let replicaSet = ReplicatedKind(
        kind: "ReplicaSet", apiVersion: "apps/v1", groups: ["apps"], resource: .replicasets, loopName: "replicaset",
        selector: { try LabelSelector(labelSelector: $0[path: ["spec", "selector"]]) })

    /// A ReplicationController's selector is a plain map (defaulted from the template's labels); an
    /// empty one selects nothing here rather than everything.
    static let replicationController = ReplicatedKind(
        kind: "ReplicationController", apiVersion: "v1", groups: [""], resource: ResourcePath(resource: "replicationcontrollers"),
        loopName: "replicationcontroller",
        selector: { rc in
            let map = rc[path: ["spec", "selector"]]?.stringMap ?? [:]
            return map.isEmpty ? .nothing : LabelSelector(matchLabels: map)
        })
}
