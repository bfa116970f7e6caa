import APIMachinery

/// Pods made from a controller's `spec.template` (upstream's `GetPodFromTemplate`).
enum PodTemplate {
    struct NoLabels: Error, CustomStringConvertible {
        var description: String { "unable to create pods, no labels" }
    }

    /// A new pod for `owner`: the template's labels, annotations, finalizers and spec, named
    /// `<owner>-<random>` through `generateName`, with a controller reference to `owner`.
    static func pod(from owner: JSON, kind: String, apiVersion: String) throws -> JSON {
        let template = owner[path: ["spec", "template"]] ?? [:]
        let labels = template[path: ["metadata", "labels"]]
        guard let labels, !(labels.object ?? [:]).isEmpty else { throw NoLabels() }
        var meta: JSON = [
            "generateName": .string(generateNamePrefix(owner.name)),
            "namespace": .string(owner.namespace),
            "labels": labels,
            "ownerReferences": [OwnerReference.controller(of: owner, apiVersion: apiVersion, kind: kind).json],
        ]
        if let a = template[path: ["metadata", "annotations"]], !(a.object ?? [:]).isEmpty { meta["annotations"] = a }
        if let f = template[path: ["metadata", "finalizers"]], !(f.array ?? []).isEmpty { meta["finalizers"] = f }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"] ?? [:]]
    }

    /// `<name>-`, as upstream's `getPodsPrefix`; a prefix too long for a name gets cut by the server.
    static func generateNamePrefix(_ name: String) -> String { name + "-" }
}
