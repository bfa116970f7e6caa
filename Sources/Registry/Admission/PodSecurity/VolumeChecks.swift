import APIMachinery

extension PodSecurityChecks {
    /// Baseline: hostPath volumes expose the node's filesystem.
    static let hostPathVolumes = PodSecurityCheck(id: "hostPathVolumes", level: .baseline, versions: [
        .init(0) { pod in
            let bad = volumes(pod).filter { isSet($0["hostPath"]) }.map { $0["name"]?.string ?? "" }
            guard !bad.isEmpty else { return .allowed }
            return .forbidden("hostPath volumes", "\(PodSecurityText.plural("volume", "volumes", bad.count)) \(PodSecurityText.quoted(bad))")
        },
    ])

    /// The volume sources restricted allows: the ones backed by the API (and claims to a volume).
    static let allowedVolumeSources = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                                       "persistentVolumeClaim", "projected", "secret"]
    /// The others, in the order upstream names the first one a volume sets.
    static let restrictedVolumeSources = [
        "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi", "glusterfs", "rbd",
        "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk",
        "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos",
    ]

    /// Restricted: only API-backed volume sources (replaces the baseline hostPath check).
    static let restrictedVolumes = PodSecurityCheck(id: "restrictedVolumes", level: .restricted, versions: [
        .init(0, overrides: ["hostPathVolumes"]) { pod in
            var bad: [String] = []
            var types: Set<String> = []
            for v in volumes(pod) where !allowedVolumeSources.contains(where: { isSet(v[$0]) }) {
                bad.append(v["name"]?.string ?? "")
                types.insert(restrictedVolumeSources.first { isSet(v[$0]) } ?? "unknown")
            }
            guard !bad.isEmpty else { return .allowed }
            let detail = "\(PodSecurityText.plural("volume", "volumes", bad.count)) \(PodSecurityText.quoted(bad)) "
                + "\(PodSecurityText.plural("uses", "use", bad.count)) "
                + "\(PodSecurityText.plural("restricted volume type", "restricted volume types", types.count)) \(PodSecurityText.quoted(types.sorted()))"
            return .forbidden("restricted volume types", detail)
        },
    ])

    static func volumes(_ pod: PodSecuritySubject) -> [JSON] { pod.spec["volumes"]?.array ?? [] }

    static func isSet(_ value: JSON?) -> Bool { value.map { !$0.isNull } ?? false }
}
