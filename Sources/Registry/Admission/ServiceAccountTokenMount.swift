import APIMachinery

/// The pod mutation of upstream's ServiceAccount admission plugin, without its service-account lookup
/// (the API server does that, since it needs the store): decide whether a pod gets the API credentials,
/// and mount the `kube-api-access-<suffix>` projected volume — a bound token, the cluster CA and the
/// namespace — into every container that does not already use the well-known path.
public enum ServiceAccountTokenMount {
    /// Where in-cluster clients (client-go's `InClusterConfig`, the Python client) look for credentials.
    public static let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// Volumes named `kube-api-access-…` are taken to be the token volume already.
    public static let volumeNamePrefix = "kube-api-access-"
    public static let defaultServiceAccountName = "default"
    /// The ConfigMap the root-CA publisher keeps in every namespace.
    public static let rootCAConfigMapName = "kube-root-ca.crt"
    /// One hour and seven seconds: the odd value marks admission-made tokens, which the API server may extend
    /// (upstream's `WarnOnlyBoundTokenExpirationSeconds`).
    public static let tokenExpirationSeconds: Int64 = 3607

    /// Upstream's `shouldAutomount`: the pod's `automountServiceAccountToken` wins, then the account's;
    /// true when neither says.
    public static func shouldAutomount(pod: JSON, serviceAccount: JSON) -> Bool {
        if let p = pod[path: ["spec", "automountServiceAccountToken"]]?.bool { return p }
        if let s = serviceAccount["automountServiceAccountToken"]?.bool { return s }
        return true
    }

    /// Mirror pods are the kubelet's view of static pods: admission leaves their spec alone.
    public static func isMirrorPod(_ pod: JSON) -> Bool {
        pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil
    }

    /// Upstream's `TokenVolumeSource`: every field set explicitly, as the plugin sets them.
    public static var projectedSource: JSON {
        [
            "defaultMode": 420,
            "sources": [
                ["serviceAccountToken": ["expirationSeconds": .int(tokenExpirationSeconds), "path": "token"]],
                ["configMap": ["name": .string(rootCAConfigMapName), "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
            ],
        ]
    }

    /// Upstream's `mountServiceAccountToken`: adds a read-only mount at `mountPath` to each init and regular
    /// container that has no mount there, and the volume when some container needed it and the pod has no
    /// `kube-api-access-…` volume yet. `newVolumeName` is used only when a volume must be added.
    public static func mount(into pod: inout JSON, newVolumeName: @autoclosure () -> String) {
        var spec = pod["spec"] ?? [:]
        var volumes = spec["volumes"]?.array ?? []
        let existing = volumes.first { ($0["name"]?.string ?? "").hasPrefix(volumeNamePrefix) }?["name"]?.string
        var name = existing ?? ""
        if name.isEmpty {
            let taken = Set(volumes.compactMap { $0["name"]?.string })
            repeat { name = newVolumeName() } while taken.contains(name)
        }
        let volumeMount: JSON = ["name": .string(name), "readOnly": true, "mountPath": .string(mountPath)]
        var needsVolume = false
        for key in ["initContainers", "containers"] {
            guard var containers = spec[key]?.array else { continue }
            for i in containers.indices {
                var mounts = containers[i]["volumeMounts"]?.array ?? []
                if mounts.contains(where: { $0["mountPath"]?.string == mountPath }) { continue }
                mounts.append(volumeMount)
                containers[i]["volumeMounts"] = .array(mounts)
                needsVolume = true
            }
            spec[key] = .array(containers)
        }
        if existing == nil, needsVolume {
            volumes.append(["name": .string(name), "projected": projectedSource])
            spec["volumes"] = .array(volumes)
        }
        pod["spec"] = spec
    }
}
