import APIMachinery
import Client
import Foundation

/// Finds the scale of a pod's controller, for budgets that count pods as a share of what their
/// controllers want (upstream's disruption controller `finders`): ReplicaSets not owned by a Deployment,
/// Deployments through their ReplicaSets, ReplicationControllers, StatefulSets, and last any kind that
/// serves a `scale` subresource.
struct ControllerScaleFinder: Sendable {
    /// A controller's UID and `spec.replicas`.
    struct Scale: Equatable {
        var uid: String
        var replicas: Int64
    }

    struct ScaleError: Error, CustomStringConvertible {
        var description: String
    }

    let client: KubeClient
    let replicaSets: Informer
    let deployments: Informer
    let replicationControllers: Informer
    let statefulSets: Informer

    func find(_ ref: OwnerReference, namespace: String) async throws -> Scale? {
        if let s = replicaSet(ref, namespace) { return s }
        if let s = deployment(ref, namespace) { return s }
        if let s = cached(replicationControllers, ref, namespace, kind: "ReplicationController", groups: [""]) { return s }
        if let s = cached(statefulSets, ref, namespace, kind: "StatefulSet", groups: ["apps"]) { return s }
        return try await scaleSubresource(ref, namespace)
    }

    /// The object `ref` names in `informer` if its kind and group are the expected ones and the UID matches.
    func lookup(_ informer: Informer, _ ref: OwnerReference, _ namespace: String, kind: String, groups: [String]) -> JSON? {
        guard ref.kind == kind, groups.contains(ref.group) else { return nil }
        guard let o = informer.store.get(namespace: namespace, name: ref.name), o.uid == ref.uid else { return nil }
        return o
    }

    func cached(_ informer: Informer, _ ref: OwnerReference, _ namespace: String, kind: String, groups: [String]) -> Scale? {
        lookup(informer, ref, namespace, kind: kind, groups: groups).map { Scale(uid: $0.uid, replicas: $0.integer(at: ["spec", "replicas"], default: 1)) }
    }

    /// A ReplicaSet counts on its own only when no Deployment controls it.
    func replicaSet(_ ref: OwnerReference, _ namespace: String) -> Scale? {
        guard let rs = lookup(replicaSets, ref, namespace, kind: "ReplicaSet", groups: ["apps", "extensions"]) else { return nil }
        if rs.controllerRef?.kind == "Deployment" { return nil }
        return Scale(uid: rs.uid, replicas: rs.integer(at: ["spec", "replicas"], default: 1))
    }

    func deployment(_ ref: OwnerReference, _ namespace: String) -> Scale? {
        guard let rs = lookup(replicaSets, ref, namespace, kind: "ReplicaSet", groups: ["apps", "extensions"]),
              let dref = rs.controllerRef else { return nil }
        return cached(deployments, dref, namespace, kind: "Deployment", groups: ["apps", "extensions"])
    }

    /// Any other kind through its `scale` subresource, found by discovery (upstream's `getScaleController`
    /// with its RESTMapper): an unknown kind, or one without `scale`, is an error that fails the sync.
    func scaleSubresource(_ ref: OwnerReference, _ namespace: String) async throws -> Scale? {
        let gv = ref.apiVersion
        let base = ref.group.isEmpty ? "/api/\(gv)" : "/apis/\(gv)"
        let noMatch = ScaleError(description: "no matches for kind \(GoQuoting.quote(ref.kind)) in version \(GoQuoting.quote(gv))")
        let list: JSON
        do {
            list = try await client.send(.GET, base)
        } catch let e as APIError where e.code == 404 {
            throw noMatch
        }
        let resources = list["resources"]?.array ?? []
        guard let resource = resources.first(where: { $0["kind"]?.string == ref.kind && !($0["name"]?.string ?? "/").contains("/") })?["name"]?.string else {
            throw noMatch
        }
        do {
            let scale = try await client.send(.GET, "\(base)/namespaces/\(namespace)/\(resource)/\(ref.name)/scale")
            guard scale.uid == ref.uid else { return nil }
            return Scale(uid: scale.uid, replicas: scale.integer(at: ["spec", "replicas"]))
        } catch let e as APIError where e.code == 404 {
            // Either the object is gone, or its kind has no scale: only the second is an error.
            if resources.contains(where: { $0["name"]?.string == "\(resource)/scale" }) { return nil }
            let groupResource = ref.group.isEmpty ? resource : "\(resource).\(ref.group)"
            throw ScaleError(description: "\(groupResource) does not implement the scale subresource")
        }
    }
}
