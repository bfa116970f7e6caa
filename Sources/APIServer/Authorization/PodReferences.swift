import APIMachinery

/// The objects a pod uses, as the Node authorizer's graph links them to the pod's node: Secrets and
/// ConfigMaps (volumes, projected sources, env, envFrom, image pull secrets), PersistentVolumeClaims
/// (volumes and generic ephemeral volumes) and the service account.
struct PodReferences: Sendable, Equatable {
    var secrets: Set<String> = []
    var configMaps: Set<String> = []
    var claims: Set<String> = []
    var serviceAccount: String?

    init(pod: JSON) {
        let spec = pod["spec"] ?? [:]
        serviceAccount = spec["serviceAccountName"]?.string ?? "default"
        for s in spec["imagePullSecrets"]?.array ?? [] { if let n = s["name"]?.string { secrets.insert(n) } }
        for v in spec["volumes"]?.array ?? [] {
            if let n = v[path: ["secret", "secretName"]]?.string { secrets.insert(n) }
            if let n = v[path: ["configMap", "name"]]?.string { configMaps.insert(n) }
            if let n = v[path: ["persistentVolumeClaim", "claimName"]]?.string { claims.insert(n) }
            if v["ephemeral"] != nil, let pod = pod.metaName, let vol = v["name"]?.string { claims.insert("\(pod)-\(vol)") }
            for source in v[path: ["projected", "sources"]]?.array ?? [] {
                if let n = source[path: ["secret", "name"]]?.string { secrets.insert(n) }
                if let n = source[path: ["configMap", "name"]]?.string { configMaps.insert(n) }
            }
            // Volume plugins that name a secret for their credentials.
            for plugin in ["azureFile", "cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos", "csi"] {
                if let n = v[path: [plugin, "secretRef", "name"]]?.string ?? v[path: [plugin, "nodePublishSecretRef", "name"]]?.string {
                    secrets.insert(n)
                }
            }
        }
        let containers = (spec["initContainers"]?.array ?? []) + (spec["containers"]?.array ?? []) + (spec["ephemeralContainers"]?.array ?? [])
        for c in containers {
            for e in c["envFrom"]?.array ?? [] {
                if let n = e[path: ["secretRef", "name"]]?.string { secrets.insert(n) }
                if let n = e[path: ["configMapRef", "name"]]?.string { configMaps.insert(n) }
            }
            for e in c["env"]?.array ?? [] {
                if let n = e[path: ["valueFrom", "secretKeyRef", "name"]]?.string { secrets.insert(n) }
                if let n = e[path: ["valueFrom", "configMapKeyRef", "name"]]?.string { configMaps.insert(n) }
            }
        }
    }
}
