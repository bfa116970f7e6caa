import APIMachinery

/// Which owner references a StatefulSet's PersistentVolumeClaim carries under
/// `spec.persistentVolumeClaimRetentionPolicy` (upstream's `isClaimOwnerUpToDate` and
/// `updateClaimOwnerRefForSetAndPod`), so that the garbage collector deletes it with the set
/// (`whenDeleted: Delete`: a reference to the set) or with its pod once scaled away
/// (`whenScaled: Delete`: a reference to the pod when its ordinal is out of range):
///
/// | whenScaled / whenDeleted | references |
/// | --- | --- |
/// | Retain / Retain | none |
/// | Retain / Delete | the set |
/// | Delete / Retain | the pod, once scaled down |
/// | Delete / Delete | the set, or the pod once scaled down |
///
/// References to an older set or pod of the same name (stale) or to another controller leave the
/// claim alone.
enum ClaimRetention {
    static func policy(_ set: JSON) -> (whenDeleted: String, whenScaled: String) {
        let p = set[path: ["spec", "persistentVolumeClaimRetentionPolicy"]]
        return (p?["whenDeleted"]?.string ?? "Retain", p?["whenScaled"]?.string ?? "Retain")
    }

    static func isRef(_ ref: OwnerReference, to owner: JSON) -> Bool { ref.name == owner.name && ref.uid == owner.uid }

    static func hasOwnerRef(_ claim: JSON, _ owner: JSON) -> Bool { claim.ownerReferences.contains { $0.uid == owner.uid } }

    /// A reference by name and kind to an object of that name with another UID.
    static func hasStaleOwnerRef(_ claim: JSON, _ owner: JSON, kind: String) -> Bool {
        claim.ownerReferences.contains { $0.name == owner.name && $0.kind == kind && $0.uid != owner.uid }
    }

    static func hasUnexpectedController(_ claim: JSON, _ set: JSON, _ pod: JSON) -> Bool {
        claim.ownerReferences.contains { $0.controller && !isRef($0, to: set) && !isRef($0, to: pod) }
    }

    static func hasNonControllerOwner(_ claim: JSON, _ set: JSON, _ pod: JSON) -> Bool {
        claim.ownerReferences.contains { (isRef($0, to: set) || isRef($0, to: pod)) && !$0.controller }
    }

    static func isUpToDate(_ claim: JSON, _ set: JSON, _ pod: JSON) -> Bool {
        if hasStaleOwnerRef(claim, set, kind: StatefulSetController.kind) || hasStaleOwnerRef(claim, pod, kind: "Pod") { return true }
        if hasUnexpectedController(claim, set, pod) {
            return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod))
        }
        if hasNonControllerOwner(claim, set, pod) { return false }
        let (whenDeleted, whenScaled) = policy(set)
        let scaledDown = !StatefulSetIdentity.inOrdinalRange(pod, set)
        switch (whenScaled, whenDeleted) {
        case ("Retain", "Delete"):
            return hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod)
        case ("Delete", "Retain"):
            return !hasOwnerRef(claim, set) && scaledDown == hasOwnerRef(claim, pod)
        case ("Delete", "Delete"):
            return scaledDown != hasOwnerRef(claim, set) && scaledDown == hasOwnerRef(claim, pod)
        default:
            return !hasOwnerRef(claim, set) && !hasOwnerRef(claim, pod)
        }
    }

    /// The claim's owner references made to agree with the policy.
    static func updated(_ claim: JSON, _ set: JSON, _ pod: JSON) -> JSON {
        let unexpected = hasUnexpectedController(claim, set, pod)
        var refs = (claim[path: ["metadata", "ownerReferences"]]?.array ?? []).filter { r in
            guard let ref = OwnerReference(json: r) else { return true }
            return !isRef(ref, to: set) && !isRef(ref, to: pod)
        }
        if !unexpected {
            let (whenDeleted, whenScaled) = policy(set)
            let scaledDown = !StatefulSetIdentity.inOrdinalRange(pod, set)
            let setRef = OwnerReference.controller(of: set, apiVersion: StatefulSetController.apiVersion, kind: StatefulSetController.kind).json
            let podRef = OwnerReference.controller(of: pod, apiVersion: "v1", kind: "Pod").json
            switch (whenScaled, whenDeleted) {
            case ("Retain", "Delete"): refs.append(setRef)
            case ("Delete", "Retain"): if scaledDown { refs.append(podRef) }
            case ("Delete", "Delete"): refs.append(scaledDown ? podRef : setRef)
            default: break
            }
        }
        var copy = claim
        copy[path: ["metadata", "ownerReferences"]] = refs.isEmpty ? nil : .array(refs)
        return copy
    }
}
