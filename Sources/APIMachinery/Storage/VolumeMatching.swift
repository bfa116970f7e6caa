/// Which PersistentVolume a claim should bind to: upstream's `findBestMatchForClaim` (the binder's
/// access-mode index) over `FindMatchingVolume`. Shared by the binder (no node: `nodeAffinity` nil) and
/// the scheduler's VolumeBinding plugin (asking about one node), so both choose alike.
public enum VolumeMatching {
    /// The best volume for `claim` among `volumes`: a volume pre-bound to the claim wins; otherwise the
    /// smallest Available, unclaimed volume of the claim's class, volume mode and (selector-matching)
    /// labels, at least as large as the request — trying the volumes with the fewest access modes that
    /// include the claim's first. With `delayBinding` (a WaitForFirstConsumer class) and no node, only
    /// pre-bound volumes are taken: the scheduler chooses the rest. `nodeAffinity` says whether a volume
    /// can be used on the node asked about.
    public static func bestMatch(for claim: JSON, in volumes: [JSON], delayBinding: Bool,
                                 nodeAffinity: ((JSON) -> Bool)? = nil) -> JSON? {
        let wanted = Set(accessModes(claim))
        let candidates = volumes.filter { wanted.isSubset(of: Set(accessModes($0))) }
        let groups = Dictionary(grouping: candidates) { accessModes($0).sorted() }.sorted { a, b in
            a.key.count != b.key.count ? a.key.count < b.key.count : a.key.joined(separator: ",") < b.key.joined(separator: ",")
        }
        for (_, group) in groups {
            if let match = findMatchingVolume(claim, group, delayBinding: delayBinding, nodeAffinity: nodeAffinity) { return match }
        }
        return nil
    }

    /// Upstream `FindMatchingVolume` over one group of volumes.
    static func findMatchingVolume(_ claim: JSON, _ volumes: [JSON], delayBinding: Bool, nodeAffinity: ((JSON) -> Bool)?) -> JSON? {
        let requested = storage(claim[path: ["spec", "resources", "requests", "storage"]]) ?? Quantity(0)
        let requestedClass = storageClass(claim)
        var selector: LabelSelector?
        if let s = claim[path: ["spec", "selector"]], !s.isNull {
            guard let parsed = try? LabelSelector(labelSelector: s) else { return nil }
            selector = parsed
        }
        var smallest: JSON?
        var smallestSize = Quantity(0)
        for volume in volumes {
            guard let size = storage(volume[path: ["spec", "capacity", "storage"]]), !(size < requested) else { continue }
            if volumeMode(volume) != volumeMode(claim) { continue }
            if let t = volume[path: ["metadata", "deletionTimestamp"]], !t.isNull { continue }
            let affinityOK = nodeAffinity?(volume) ?? true
            if isBound(volume, to: claim) {
                // Pre-bound: the claim's volume, unless it cannot be used on the node asked about.
                return affinityOK ? volume : nil
            }
            if nodeAffinity == nil && delayBinding { continue }
            if volume[path: ["status", "phase"]]?.string != "Available" { continue }
            if let ref = volume[path: ["spec", "claimRef"]], !ref.isNull { continue }
            if let selector, !selector.matches(volume[path: ["metadata", "labels"]]?.stringMap ?? [:]) { continue }
            if storageClass(volume) != requestedClass { continue }
            if !affinityOK { continue }
            if smallest == nil || size < smallestSize {
                smallest = volume
                smallestSize = size
            }
        }
        return smallest
    }

    /// Upstream `IsVolumeBoundToClaim`: the volume's claimRef names the claim (and its uid, once set).
    public static func isBound(_ volume: JSON, to claim: JSON) -> Bool {
        guard let ref = volume[path: ["spec", "claimRef"]], !ref.isNull else { return false }
        if ref["name"]?.string != claim[path: ["metadata", "name"]]?.string
            || ref["namespace"]?.string != claim[path: ["metadata", "namespace"]]?.string { return false }
        let uid = ref["uid"]?.string ?? ""
        return uid.isEmpty || uid == claim[path: ["metadata", "uid"]]?.string
    }

    /// `GetPersistentVolumeClaimClass` / `GetPersistentVolumeClass`: the beta annotation wins, then
    /// `spec.storageClassName`.
    public static func storageClass(_ object: JSON) -> String {
        if let beta = object[path: ["metadata", "annotations", "volume.beta.kubernetes.io/storage-class"]]?.string { return beta }
        return object[path: ["spec", "storageClassName"]]?.string ?? ""
    }

    static func accessModes(_ object: JSON) -> [String] { (object[path: ["spec", "accessModes"]]?.array ?? []).compactMap(\.string) }
    static func volumeMode(_ object: JSON) -> String { object[path: ["spec", "volumeMode"]]?.string ?? "Filesystem" }
    static func storage(_ json: JSON?) -> Quantity? { json.flatMap { try? Quantity(json: $0) } }
}
