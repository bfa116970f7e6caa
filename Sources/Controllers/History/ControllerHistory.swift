import APIMachinery
import Foundation

/// ControllerRevisions: the snapshots of a StatefulSet's or DaemonSet's pod template that `kubectl
/// rollout history` lists and `kubectl rollout undo` patches back (upstream's `pkg/controller/history`).
///
/// A revision's `data` is a strategic merge patch that restores the owner's template (`TemplatePatch`);
/// its name is `<owner>-<hash of data>`, the hash also in the `controller.kubernetes.io/hash` label; its
/// `revision` number orders the history. Two revisions with equal data are the same revision: going back
/// to an old template renumbers the old revision instead of creating a duplicate.
enum ControllerHistory {
    static let hashLabel = "controller.kubernetes.io/hash"
    /// Kubernetes names are at most 253 characters; the hash and its dash take the rest.
    static let maxPrefixLength = 223

    /// `<prefix>-<hash>`, the prefix cut to 223 characters (upstream's `ControllerRevisionName`).
    static func revisionName(prefix: String, hash: String) -> String {
        let p = prefix.count > maxPrefixLength ? String(prefix.prefix(maxPrefixLength)) : prefix
        return "\(p)-\(hash)"
    }

    /// FNV-32a of the revision's data (canonical JSON, sorted keys), then of the collision count in
    /// decimal when there is one, encoded with the safe alphabet (upstream's `HashControllerRevision`).
    static func hash(data: JSON?, probe: Int64?) -> String {
        var h = FNV32a()
        if let data { h.write(Array(data.serialized(sortedKeys: true))) }
        if let probe { h.write(Array(String(probe).utf8)) }
        return PodTemplateHash.safeEncode(String(h.value))
    }

    /// A revision of `parent` holding `data` (upstream's `NewControllerRevision`): the template's labels
    /// plus the hash label, a controller reference to the parent, named after parent and hash.
    static func newRevision(parent: JSON, kind: String, apiVersion: String, templateLabels: [String: String],
                            data: JSON, revision: Int64, collisionCount: Int64?, annotations: [String: String] = [:]) -> JSON {
        var labels = templateLabels
        let h = hash(data: data, probe: collisionCount)
        labels[hashLabel] = h
        var meta: JSON = [
            "name": .string(revisionName(prefix: parent.name, hash: h)),
            "namespace": .string(parent.namespace),
            "labels": .from(labels),
            "ownerReferences": [OwnerReference.controller(of: parent, apiVersion: apiVersion, kind: kind).json],
        ]
        if !annotations.isEmpty { meta["annotations"] = .from(annotations) }
        return ["apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": meta, "data": data, "revision": .int(revision)]
    }

    /// The revision as a new name for a new collision count: data and labels kept, hash and name redone.
    static func rehashed(_ revision: JSON, parentName: String, collisionCount: Int64?) -> JSON {
        var r = revision
        let h = hash(data: revision["data"], probe: collisionCount)
        r[path: ["metadata", "name"]] = .string(revisionName(prefix: parentName, hash: h))
        r[path: ["metadata", "labels", hashLabel]] = .string(h)
        return r
    }

    static func number(_ revision: JSON) -> Int64 { revision["revision"]?.int ?? 0 }

    /// By revision number, then creation time, then name (upstream's `SortControllerRevisions`).
    static func sorted(_ revisions: [JSON]) -> [JSON] {
        revisions.sorted { a, b in
            let ra = number(a), rb = number(b)
            if ra != rb { return ra < rb }
            let ta = a.creationTimestamp ?? .distantPast, tb = b.creationTimestamp ?? .distantPast
            if ta != tb { return ta < tb }
            return a.name < b.name
        }
    }

    /// Same data (upstream's `EqualRevision`; its hash-label shortcut never applies to the encoded hashes).
    static func equal(_ a: JSON, _ b: JSON) -> Bool { Semantic.equal(a["data"], b["data"]) }

    /// The revisions among `revisions` equal to `needle`, in the given order (upstream's `FindEqualRevisions`).
    static func findEqual(_ revisions: [JSON], _ needle: JSON) -> [JSON] { revisions.filter { equal($0, needle) } }

    /// One more than the highest revision number, 1 for an empty history.
    static func nextRevision(_ revisions: [JSON]) -> Int64 { (revisions.map(number).max() ?? 0) + 1 }
}

/// The patch a StatefulSet or DaemonSet revision stores (upstream's `getPatch`): only the pod template,
/// marked `$patch: replace` so that applying it as a strategic merge patch swaps the whole template back.
enum TemplatePatch {
    static func of(_ owner: JSON) -> JSON {
        var template = owner[path: ["spec", "template"]] ?? [:]
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    /// `owner` with the template a revision stores (upstream's `ApplyRevision`: the strategic merge patch of
    /// a replacing template is exactly that template).
    static func apply(_ revision: JSON, to owner: JSON) -> JSON {
        guard var template = revision[path: ["data", "spec", "template"]] else { return owner }
        template["$patch"] = nil
        var copy = owner
        copy[path: ["spec", "template"]] = template
        return copy
    }
}
