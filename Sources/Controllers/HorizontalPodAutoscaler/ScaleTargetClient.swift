import APIMachinery
import Client
import Foundation
import Synchronization

/// Reads and writes the `scale` subresource of whatever an HPA targets (upstream's scale client over a
/// discovery RESTMapper): Deployments, ReplicaSets, StatefulSets, ReplicationControllers, and custom
/// resources whose CRD serves `scale`.
final class ScaleTargetClient: Sendable {
    let client: KubeClient
    /// Discovery of each group-version, by its path: kind → resource.
    private let resources = Mutex<[String: [String: String]]>([:])

    init(client: KubeClient) {
        self.client = client
    }

    /// The group-version's base path and the resource serving `kind`, asking discovery again on a miss
    /// (a CRD may have appeared since).
    func resource(apiVersion: String, kind: String) async throws -> (base: String, resource: String) {
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        let base = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        if let r = resources.withLock({ $0[base]?[kind] }) { return (base, r) }
        let noMatch = HPAError("no matches for kind \(GoQuoting.quote(kind)) in group \(GoQuoting.quote(group))")
        let list: JSON
        do {
            list = try await client.send(.GET, base)
        } catch let e as APIError where e.code == 404 {
            throw noMatch
        }
        var map: [String: String] = [:]
        for r in list["resources"]?.array ?? [] {
            guard let name = r["name"]?.string, !name.contains("/"), let k = r["kind"]?.string else { continue }
            map[k] = name
        }
        resources.withLock { $0[base] = map }
        guard let r = map[kind] else { throw noMatch }
        return (base, r)
    }

    func path(_ ref: JSON, namespace: String) async throws -> String {
        let (base, resource) = try await resource(apiVersion: ref["apiVersion"]?.string ?? "", kind: ref["kind"]?.string ?? "")
        return "\(base)/namespaces/\(namespace)/\(resource)/\(ref["name"]?.string ?? "")/scale"
    }

    func get(_ path: String) async throws -> JSON {
        do {
            return try await client.send(.GET, path)
        } catch let e as APIError {
            throw HPAError(e.message)
        }
    }

    func update(_ path: String, _ scale: JSON) async throws {
        do {
            _ = try await client.send(.PUT, path, body: scale)
        } catch let e as APIError {
            throw HPAError(e.message)
        }
    }
}
