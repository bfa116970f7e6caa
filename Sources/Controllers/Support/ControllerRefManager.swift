import APIMachinery
import Client
import Logging

/// Decides which objects a controller owns (upstream's `BaseControllerRefManager.ClaimObject`), adopting
/// orphans that match its selector and releasing owned objects that no longer match.
///
/// - owned by someone else (another controller reference): left alone;
/// - owned by us and matching: ours;
/// - owned by us, not matching: released (our reference removed), unless we are being deleted;
/// - orphan, matching, neither it nor we being deleted: adopted (our controller reference added).
///
/// Writes are JSON merge patches of the whole `ownerReferences` list, guarded by the resourceVersion the
/// decision was based on: if the object changed meanwhile the write fails with a conflict and the
/// controller retries with fresh state.
struct ControllerRefManager {
    let client: KubeClient
    let resource: ResourcePath
    let owner: JSON
    let ownerKind: String
    let ownerAPIVersion: String
    let matches: (JSON) -> Bool
    let logger: Logger

    func claim(_ objects: [JSON]) async throws -> [JSON] {
        var claimed: [JSON] = []
        var firstError: Error?
        for o in objects {
            do {
                if let c = try await claimOne(o) { claimed.append(c) }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return claimed
    }

    private func claimOne(_ o: JSON) async throws -> JSON? {
        if let ref = o.controllerRef {
            guard ref.uid == owner.uid else { return nil }
            if matches(o) { return o }
            if owner.isBeingDeleted { return nil }
            try await release(o)
            return nil
        }
        guard !owner.isBeingDeleted, matches(o), !o.isBeingDeleted else { return nil }
        return try await adopt(o)
    }

    private func adopt(_ o: JSON) async throws -> JSON? {
        var refs = o[path: ["metadata", "ownerReferences"]]?.array ?? []
        refs.append(OwnerReference.controller(of: owner, apiVersion: ownerAPIVersion, kind: ownerKind).json)
        let patch: JSON = ["metadata": ["ownerReferences": .array(refs), "resourceVersion": .string(o.resourceVersion)]]
        do {
            let adopted = try await client.patch(resource.inNamespace(o.namespace), o.name, patch)
            logger.debug("\(ownerKind) \(owner.key) adopted \(o.key)")
            return adopted
        } catch let e as APIError where e.code == 404 {
            return nil
        }
    }

    private func release(_ o: JSON) async throws {
        let refs = (o[path: ["metadata", "ownerReferences"]]?.array ?? []).filter { $0["uid"]?.string != owner.uid }
        let patch: JSON = ["metadata": ["ownerReferences": refs.isEmpty ? .null : .array(refs), "resourceVersion": .string(o.resourceVersion)]]
        do {
            try await client.patch(resource.inNamespace(o.namespace), o.name, patch)
            logger.debug("\(ownerKind) \(owner.key) released \(o.key)")
        } catch let e as APIError where e.code == 404 || e.code == 422 {
            // Gone, or (422) being deleted in a way that forbids the change: nothing to release.
        }
    }
}
