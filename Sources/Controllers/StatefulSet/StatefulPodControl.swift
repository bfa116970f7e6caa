import APIMachinery
import Client
import Logging

/// The writes of the StatefulSet controller on pods and claims, each reported as an Event on the set
/// (upstream's `StatefulPodControl`): `SuccessfulCreate` "create Pod web-0 in StatefulSet web successful",
/// `FailedCreate` "create Pod web-0 in StatefulSet web failed error: ...", the same for delete and update,
/// and "create Claim www-web-0 Pod web-0 in StatefulSet web success" for claims.
struct StatefulPodControl {
    let client: KubeClient
    /// PersistentVolumeClaims, read from the cache as upstream's claim lister.
    let claims: Informer
    let recorder: EventRecorder
    let logger: Logger

    struct ClaimErrors: Error, CustomStringConvertible {
        var messages: [String]
        var description: String {
            messages.count == 1 ? messages[0] : "[" + messages.joined(separator: ", ") + "]"
        }
    }

    func event(_ set: JSON, _ type: EventType, _ reason: String, _ message: String) {
        recorder.event(set, kind: StatefulSetController.kind, apiVersion: StatefulSetController.apiVersion, type, reason, message)
    }

    func recordPodEvent(_ verb: String, _ set: JSON, _ pod: JSON, _ error: Error?) {
        let title = verb.prefix(1).uppercased() + verb.dropFirst()
        if let error {
            event(set, .warning, "Failed\(title)", "\(verb) Pod \(pod.name) in StatefulSet \(set.name) failed error: \(error)")
        } else {
            event(set, .normal, "Successful\(title)", "\(verb) Pod \(pod.name) in StatefulSet \(set.name) successful")
        }
    }

    func recordClaimEvent(_ verb: String, _ set: JSON, _ pod: JSON, _ claim: JSON, _ error: Error?) {
        let title = verb.prefix(1).uppercased() + verb.dropFirst()
        if let error {
            event(set, .warning, "Failed\(title)", "\(verb) Claim \(claim.name) for Pod \(pod.name) in StatefulSet \(set.name) failed error: \(error)")
        } else {
            event(set, .normal, "Successful\(title)", "\(verb) Claim \(claim.name) Pod \(pod.name) in StatefulSet \(set.name) success")
        }
    }

    var podsPath: (String) -> ResourcePath { { ResourcePath.pods.inNamespace($0) } }
    var claimsPath: (String) -> ResourcePath { { ResourcePath.persistentvolumeclaims.inNamespace($0) } }

    func cachedClaim(_ namespace: String, _ name: String) -> JSON? { claims.store.get(namespace: namespace, name: name) }

    // MARK: Pods

    /// Creates the pod's claims, then the pod, then sets the claims' owner references.
    func createPod(_ set: JSON, _ pod: JSON) async throws {
        do {
            try await createClaims(set, pod)
        } catch {
            recordPodEvent("create", set, pod, error)
            throw error
        }
        let created: JSON
        do {
            created = try await client.create(podsPath(set.namespace), pod)
        } catch let e as APIError where e.code == 409 && e.reason == "AlreadyExists" {
            // The cache has not caught up with an earlier creation: no event, retried later.
            throw e
        } catch {
            recordPodEvent("create", set, pod, error)
            throw error
        }
        do {
            try await updateClaimsForRetentionPolicy(set, created)
        } catch {
            recordPodEvent("update", set, created, error)
            throw error
        }
        recordPodEvent("create", set, created, nil)
    }

    func deletePod(_ set: JSON, _ pod: JSON) async throws {
        do {
            try await client.delete(podsPath(pod.namespace), pod.name)
            recordPodEvent("delete", set, pod, nil)
        } catch let e as APIError where e.code == 404 {
            recordPodEvent("delete", set, pod, e)
            throw e
        } catch {
            recordPodEvent("delete", set, pod, error)
            throw error
        }
    }

    /// Brings identity, storage and claim ownership of an existing pod in line with `set`, retrying
    /// conflicts against the live pod (upstream's `UpdateStatefulPod`).
    func updatePod(_ set: JSON, _ pod: JSON) async throws {
        var current = pod
        var attempted = false
        var lastError: Error?
        for _ in 0..<5 {
            var consistent = true
            if !StatefulSetIdentity.identityMatches(set, current) {
                StatefulSetIdentity.updateIdentity(set, &current)
                consistent = false
            }
            if !StatefulSetIdentity.storageMatches(set, current) {
                StatefulSetIdentity.updateStorage(set, &current)
                consistent = false
                try await createClaims(set, current)
            }
            if !claimsMatchRetentionPolicy(set, current) {
                try await updateClaimsForRetentionPolicy(set, current)
                consistent = false
            }
            if consistent { break }
            attempted = true
            do {
                _ = try await client.update(podsPath(current.namespace), current)
                lastError = nil
                break
            } catch let e as APIError where e.code == 409 {
                lastError = e
                current = try await client.get(podsPath(pod.namespace), pod.name)
            } catch {
                lastError = error
                break
            }
        }
        if attempted { recordPodEvent("update", set, pod, lastError) }
        if let lastError { throw lastError }
    }

    // MARK: Claims

    /// Creates each missing claim of the pod; a claim being deleted is an error (the pod must wait for
    /// its replacement).
    func createClaims(_ set: JSON, _ pod: JSON) async throws {
        var errors: [String] = []
        for (_, claim) in StatefulSetIdentity.claims(set, pod) {
            if let existing = cachedClaim(claim.namespace, claim.name) {
                if existing.isBeingDeleted { errors.append("pvc \(claim.name) is being deleted") }
                continue
            }
            do {
                try await client.create(claimsPath(claim.namespace), claim)
                recordClaimEvent("create", set, pod, claim, nil)
            } catch let e as APIError where e.code == 409 && e.reason == "AlreadyExists" {
                // Created by an earlier sync the cache has not shown yet.
            } catch {
                errors.append("failed to create PVC \(claim.name): \(error)")
                recordClaimEvent("create", set, pod, claim, error)
            }
        }
        if !errors.isEmpty { throw ClaimErrors(messages: errors) }
    }

    func claimsMatchRetentionPolicy(_ set: JSON, _ pod: JSON) -> Bool {
        for (_, claim) in StatefulSetIdentity.claims(set, pod) {
            guard let existing = cachedClaim(claim.namespace, claim.name) else { continue }
            if !ClaimRetention.isUpToDate(existing, set, pod) { return false }
        }
        return true
    }

    func updateClaimsForRetentionPolicy(_ set: JSON, _ pod: JSON) async throws {
        for (_, claim) in StatefulSetIdentity.claims(set, pod) {
            guard let existing = cachedClaim(claim.namespace, claim.name) else { continue }
            if ClaimRetention.hasUnexpectedController(existing, set, pod) {
                event(set, .warning, "ConflictingController",
                      "PersistentVolumeClaim \(claim.name) has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim")
            }
            if ClaimRetention.isUpToDate(existing, set, pod) { continue }
            do {
                _ = try await client.update(claimsPath(existing.namespace), ClaimRetention.updated(existing, set, pod))
            } catch {
                throw APIError.internalError("could not update claim \(claim.name) for delete policy ownerRefs: \(error)")
            }
        }
    }

    /// A claim still owned by an earlier pod of the same name (its garbage collection is pending) must
    /// not be mounted by the new pod (upstream's `PodClaimIsStale`).
    func podClaimIsStale(_ set: JSON, _ pod: JSON) -> Bool {
        if ClaimRetention.policy(set).whenScaled == "Retain" { return false }
        for (_, claim) in StatefulSetIdentity.claims(set, pod) {
            guard let existing = cachedClaim(claim.namespace, claim.name) else { continue }
            if existing.ownerReferences.contains(where: { $0.kind == "Pod" && $0.name == pod.name && $0.uid != pod.uid }) { return true }
        }
        return false
    }
}
