import APIMachinery

/// Upstream's `ValidatePodSpec` and what it calls, over JSON. Shared by pods and by the pod templates
/// of deployments and replica sets; `isPod` turns on the checks upstream only makes for real pods.
struct PodSpecValidation {
    let isPod: Bool

    /// Every volume source upstream knows, in the order `validateVolumeSource` checks them. The one
    /// misspelt path ("downwarAPI") is upstream's.
    static let volumeSources: [(key: String, path: String)] = [
        ("emptyDir", "emptyDir"), ("hostPath", "hostPath"), ("gitRepo", "gitRepo"),
        ("gcePersistentDisk", "gcePersistentDisk"), ("awsElasticBlockStore", "awsElasticBlockStore"),
        ("secret", "secret"), ("nfs", "nfs"), ("iscsi", "iscsi"), ("glusterfs", "glusterfs"),
        ("flocker", "flocker"), ("persistentVolumeClaim", "persistentVolumeClaim"), ("rbd", "rbd"),
        ("cinder", "cinder"), ("cephfs", "cephFS"), ("quobyte", "quobyte"), ("downwardAPI", "downwarAPI"),
        ("fc", "fc"), ("flexVolume", "flexVolume"), ("configMap", "configMap"), ("azureFile", "azureFile"),
        ("vsphereVolume", "vsphereVolume"), ("photonPersistentDisk", "photonPersistentDisk"),
        ("portworxVolume", "portworxVolume"), ("azureDisk", "azureDisk"), ("storageos", "storageos"),
        ("projected", "projected"), ("scaleIO", "scaleIO"), ("csi", "csi"), ("ephemeral", "ephemeral"),
        ("image", "image"),
    ]

    func validate(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let grace = spec["terminationGracePeriodSeconds"]?.int
        if grace == nil { errs.append(.required(path.child("terminationGracePeriodSeconds"))) }
        let (volumes, volErrs) = validateVolumes(spec["volumes"], path.child("volumes"))
        errs += volErrs
        let restartPolicy = spec["restartPolicy"]?.string ?? ""
        errs += validateContainers(spec["containers"], volumes, grace, path.child("containers"))
        errs += validateInitContainers(spec["initContainers"], regular: spec["containers"], volumes, grace, path.child("initContainers"))
        errs += validateEphemeralContainers(spec, volumes, path.child("ephemeralContainers"))
        errs += validateHostNetworkPorts(spec, path)
        errs += validateEnum(restartPolicy, path.child("restartPolicy"), ["Always", "OnFailure", "Never"])
        let dnsPolicy = spec["dnsPolicy"]?.string ?? ""
        errs += validateEnum(dnsPolicy, path.child("dnsPolicy"), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"])
        errs += validateLabels(spec["nodeSelector"], path.child("nodeSelector"))
        errs += validatePodSecurityContext(spec, path.child("securityContext"))
        errs += validateImagePullSecrets(spec["imagePullSecrets"], path.child("imagePullSecrets"))
        errs += validateAffinity(spec["affinity"], path.child("affinity"))
        errs += validateDNSConfig(spec["dnsConfig"], dnsPolicy: dnsPolicy, path.child("dnsConfig"))
        for (i, g) in (spec["readinessGates"]?.array ?? []).enumerated() {
            errs += validateQualifiedName(g["conditionType"]?.string ?? "", path.child("readinessGates").index(i).child("conditionType"))
        }
        var seenGates = Set<String>()
        for (i, g) in (spec["schedulingGates"]?.array ?? []).enumerated() {
            let name = g["name"]?.string ?? ""
            errs += validateQualifiedName(name, path.child("schedulingGates").index(i))
            if seenGates.contains(name) { errs.append(.duplicate(path.child("schedulingGates").index(i), name)) }
            seenGates.insert(name)
        }
        errs += validateTopologySpreadConstraints(spec["topologySpreadConstraints"], path.child("topologySpreadConstraints"))
        if spec["hostUsers"]?.bool == false {
            if spec["hostNetwork"]?.bool == true { errs.append(.forbidden(path.child("hostNetwork"), "when `pod.Spec.HostUsers` is false")) }
            if spec["hostPID"]?.bool == true { errs.append(.forbidden(path.child("HostPID"), "when `pod.Spec.HostUsers` is false")) }
            if spec["hostIPC"]?.bool == true { errs.append(.forbidden(path.child("HostIPC"), "when `pod.Spec.HostUsers` is false")) }
        }
        if let sa = spec["serviceAccountName"]?.string, !sa.isEmpty {
            errs += isDNS1123Subdomain(sa).map { .invalid(path.child("serviceAccountName"), sa, $0) }
        }
        if let node = spec["nodeName"]?.string, !node.isEmpty {
            errs += isDNS1123Subdomain(node).map { .invalid(path.child("nodeName"), node, $0) }
        }
        if let ads = spec["activeDeadlineSeconds"]?.int, ads < 1 || ads > Int64(Int32.max) {
            errs.append(.invalid(path.child("activeDeadlineSeconds"), int: ads, inclusiveRangeError(1, Int64(Int32.max))))
        }
        if let h = spec["hostname"]?.string, !h.isEmpty { errs += validateDNS1123Label(h, path.child("hostname")) }
        if let s = spec["subdomain"]?.string, !s.isEmpty { errs += validateDNS1123Label(s, path.child("subdomain")) }
        errs += validateTolerations(spec["tolerations"], path.child("tolerations"))
        for (i, alias) in (spec["hostAliases"]?.array ?? []).enumerated() {
            let p = path.child("hostAliases").index(i)
            errs += validateIP(alias["ip"]?.string ?? "", p.child("ip"))
            for (j, h) in stringList(alias["hostnames"]).enumerated() {
                errs += validateDNS1123Subdomain(h, p.child("hostnames").index(j))
            }
        }
        if let pc = spec["priorityClassName"]?.string, !pc.isEmpty {
            errs += isDNS1123Subdomain(pc).map { .invalid(path.child("priorityClassName"), pc, $0) }
        }
        if let rc = spec["runtimeClassName"]?.string {
            errs += isDNS1123Subdomain(rc).map { .invalid(path.child("runtimeClassName"), rc, $0) }
        }
        if let pp = spec["preemptionPolicy"]?.string {
            errs += validateEnum(pp, path.child("preemptionPolicy"), ["PreemptLowerPriority", "Never"])
        }
        if let os = spec["os"], os.isObject {
            let name = os["name"]?.string ?? ""
            if name.isEmpty {
                errs.append(.required(path.child("os").child("name"), "cannot be empty"))
            } else if name != "linux" && name != "windows" {
                errs.append(.notSupported(path.child("os"), name, ["linux", "windows"]))
            }
        }
        return errs
    }

    /// Required when empty, otherwise one of `supported` (the pattern of restartPolicy, dnsPolicy, ...).
    func validateEnum(_ value: String, _ path: FieldPath, _ supported: [String]) -> [FieldError] {
        if value.isEmpty { return [.required(path)] }
        return supported.contains(value) ? [] : [.notSupported(path, value, supported)]
    }

    // MARK: Pod-level fields

    func validateHostNetworkPorts(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        guard spec["hostNetwork"]?.bool == true else { return [] }
        var errs: [FieldError] = []
        for (i, c) in (spec["containers"]?.array ?? []).enumerated() {
            for (j, port) in (c["ports"]?.array ?? []).enumerated() {
                let hp = port["hostPort"]?.int ?? 0, cp = port["containerPort"]?.int ?? 0
                if (isPod || hp != 0) && hp != cp {
                    errs.append(.invalid(path.child("containers").index(i).child("ports").index(j).child("hostPort"), int: hp,
                                         "must match `containerPort` when `hostNetwork` is true"))
                }
            }
        }
        return errs
    }

    func validatePodSecurityContext(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        guard let sc = spec["securityContext"], sc.isObject else { return [] }
        var errs: [FieldError] = []
        for field in ["fsGroup", "runAsUser", "runAsGroup"] {
            if let v = sc[field]?.int { errs += isValidUnixID(v).map { .invalid(path.child(field), int: v, $0) } }
        }
        for (i, g) in (sc["supplementalGroups"]?.array ?? []).enumerated() {
            let v = g.int ?? 0
            errs += isValidUnixID(v).map { .invalid(path.child("supplementalGroups").index(i), int: v, $0) }
        }
        if spec["shareProcessNamespace"]?.bool == true && spec["hostPID"]?.bool == true {
            errs.append(.invalid(path.child("shareProcessNamespace"), raw: "true", "ShareProcessNamespace and HostPID cannot both be enabled"))
        }
        var sysctlNames = Set<String>()
        for (i, s) in (sc["sysctls"]?.array ?? []).enumerated() {
            let name = s["name"]?.string ?? ""
            let p = path.child("sysctls").index(i).child("name")
            if name.isEmpty {
                errs.append(.required(p))
            } else if !isValidSysctlName(name) {
                errs.append(.invalid(p, name, "must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$"))
            } else if sysctlNames.contains(name) {
                errs.append(.duplicate(p, name))
            }
            sysctlNames.insert(name)
        }
        if let p = sc["fsGroupChangePolicy"]?.string, p != "OnRootMismatch" && p != "Always" {
            errs.append(.notSupported(path.child("fsGroupChangePolicy"), p, ["Always", "OnRootMismatch"]))
        }
        errs += validateSeccompProfile(sc["seccompProfile"], path.child("seccompProfile"))
        return errs
    }

    private func isValidSysctlName(_ name: String) -> Bool {
        guard name.utf8.count <= 253 else { return false }
        let segments = name.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "/" })
        return segments.allSatisfy { seg in
            let b = Array(seg.utf8)
            func an(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7A) }
            guard let f = b.first, let l = b.last, an(f), an(l) else { return false }
            return b.allSatisfy { an($0) || $0 == 0x2D || $0 == 0x5F }
        }
    }

    func validateSeccompProfile(_ sp: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let sp, sp.isObject else { return [] }
        var errs: [FieldError] = []
        let type = sp["type"]?.string ?? ""
        switch type {
        case "Localhost", "RuntimeDefault", "Unconfined": break
        case "": errs.append(.required(path.child("type"), "type is required when seccompProfile is set"))
        default: errs.append(.notSupported(path.child("type"), type, ["Localhost", "RuntimeDefault", "Unconfined"]))
        }
        if type == "Localhost" {
            if let lp = sp["localhostProfile"]?.string {
                errs += validateLocalDescendingPath(lp, path.child("localhostProfile"))
            } else {
                errs.append(.required(path.child("localhostProfile"), "must be set when seccomp type is Localhost"))
            }
        }
        return errs
    }

    func validateContainerSecurityContext(_ sc: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let sc, sc.isObject else { return [] }
        var errs: [FieldError] = []
        for field in ["runAsUser", "runAsGroup"] {
            if let v = sc[field]?.int { errs += isValidUnixID(v).map { .invalid(path.child(field), int: v, $0) } }
        }
        if let pm = sc["procMount"]?.string {
            if pm != "Default" && pm != "Unmasked" { errs.append(.notSupported(path.child("procMount"), pm, ["Default", "Unmasked"])) }
        }
        errs += validateSeccompProfile(sc["seccompProfile"], path.child("seccompProfile"))
        return errs
    }

    func validateImagePullSecrets(_ secrets: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, s) in (secrets?.array ?? []).enumerated() {
            if let o = s.object, o.keys.contains(where: { $0 != "name" }) {
                errs.append(.invalid(path.index(i), raw: "core.LocalObjectReference{Name:\(GoSyntax.quote(s["name"]?.string ?? ""))}", "only name may be set"))
            }
        }
        return errs
    }

    func validateDNSConfig(_ config: JSON?, dnsPolicy: String, _ path: FieldPath) -> [FieldError] {
        if dnsPolicy == "None" {
            guard let config, config.isObject else {
                return [.required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
            }
            if (config["nameservers"]?.array ?? []).isEmpty {
                return [.required(path.child("nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None")]
            }
        }
        guard let config, config.isObject else { return [] }
        var errs: [FieldError] = []
        let ns = stringList(config["nameservers"])
        if ns.count > 3 {
            errs.append(.invalid(path.child("nameservers"), raw: GoSyntax.stringSlice(ns), "must not have more than 3 nameservers"))
        }
        for (i, n) in ns.enumerated() { errs += validateIP(n, path.child("nameservers").index(i)) }
        let searches = stringList(config["searches"])
        if searches.count > 32 {
            errs.append(.invalid(path.child("searches"), raw: GoSyntax.stringSlice(searches), "must not have more than 32 search paths"))
        }
        if searches.joined(separator: " ").utf8.count > 2048 {
            errs.append(.invalid(path.child("searches"), raw: GoSyntax.stringSlice(searches), "must not have more than 2048 characters (including spaces) in the search list"))
        }
        for (i, s) in searches.enumerated() {
            // RelaxedDNSSearchValidation is alpha (off) in v1.32: searches are strict subdomains.
            var trimmed = s
            if trimmed.hasSuffix(".") { trimmed.removeLast() }
            errs += validateDNS1123Subdomain(trimmed, path.child("searches").index(i))
        }
        for (i, o) in (config["options"]?.array ?? []).enumerated() where (o["name"]?.string ?? "").isEmpty {
            errs.append(.required(path.child("options").index(i), "must not be empty"))
        }
        return errs
    }
}

/// `ValidatePortNumOrName` for an IntOrString port.
func validatePortNumOrName(_ port: JSON?, _ path: FieldPath) -> [FieldError] {
    if let s = port?.string { return isValidPortName(s).map { .invalid(path, s, $0) } }
    let n = port?.int ?? 0
    return isValidPortNum(n).map { .invalid(path, int: n, $0) }
}
