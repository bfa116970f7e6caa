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

    // MARK: Volumes

    func validateVolumes(_ volumes: JSON?, _ path: FieldPath) -> (names: [String: JSON], errors: [FieldError]) {
        var errs: [FieldError] = []
        var valid: [String: JSON] = [:]
        var seen = Set<String>()
        for (i, vol) in (volumes?.array ?? []).enumerated() {
            let p = path.index(i)
            let name = vol["name"]?.string ?? ""
            var el = validateVolumeSource(vol, p)
            if name.isEmpty { el.append(.required(p.child("name"))) } else { el += validateDNS1123Label(name, p.child("name")) }
            if seen.contains(name) { el.append(.duplicate(p.child("name"), name)) }
            if el.isEmpty {
                seen.insert(name)
                valid[name] = vol
            } else {
                errs += el
            }
        }
        return (valid, errs)
    }

    func validateVolumeSource(_ vol: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        for (key, pathName) in Self.volumeSources {
            guard let src = vol[key], !src.isNull else { continue }
            if count > 0 {
                errs.append(.forbidden(path.child(pathName), "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            let p = path.child(key)
            switch key {
            case "hostPath":
                let hp = src["path"]?.string ?? ""
                if hp.isEmpty { errs.append(.required(p.child("path"))) } else { errs += validatePathNoBacksteps(hp, p.child("path")) }
                if hp.isEmpty { break }
                if let t = src["type"]?.string {
                    let types = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
                    if !types.contains(t) { errs.append(.notSupported(p.child("type"), t, types)) }
                }
            case "secret":
                if (src["secretName"]?.string ?? "").isEmpty { errs.append(.required(p.child("secretName"))) }
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
                errs += validateKeyToPaths(src["items"], p.child("items"))
            case "configMap":
                if (src["name"]?.string ?? "").isEmpty { errs.append(.required(p.child("name"))) }
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
                errs += validateKeyToPaths(src["items"], p.child("items"))
            case "persistentVolumeClaim":
                if (src["claimName"]?.string ?? "").isEmpty { errs.append(.required(p.child("claimName"))) }
            case "emptyDir":
                if let q = Quantity.from(src["sizeLimit"]), q.nanos < 0 {
                    errs.append(.forbidden(p.child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
                }
            case "nfs":
                if (src["server"]?.string ?? "").isEmpty { errs.append(.required(p.child("server"))) }
                let np = src["path"]?.string ?? ""
                if np.isEmpty { errs.append(.required(p.child("path"))) } else if !np.hasPrefix("/") {
                    errs.append(.invalid(p.child("path"), np, "must be an absolute path"))
                }
            case "downwardAPI":
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
            case "projected":
                errs += validateFileMode(src["defaultMode"], p.child("defaultMode"))
            default:
                break
            }
        }
        if count == 0 { errs.append(.required(path, "must specify a volume type")) }
        return errs
    }

    func validateFileMode(_ mode: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let m = mode?.int else { return [] }
        return (m > 0o777 || m < 0) ? [.invalid(path, int: m, Msg.fileMode)] : []
    }

    func validateKeyToPaths(_ items: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, kp) in (items?.array ?? []).enumerated() {
            let p = path.index(i)
            if (kp["key"]?.string ?? "").isEmpty { errs.append(.required(p.child("key"))) }
            let itemPath = kp["path"]?.string ?? ""
            if itemPath.isEmpty { errs.append(.required(p.child("path"))) }
            errs += validateLocalNonReservedPath(itemPath, p.child("path"))
            errs += validateFileMode(kp["mode"], p.child("mode"))
        }
        return errs
    }

    /// `validatePathNoBacksteps`.
    func validatePathNoBacksteps(_ target: String, _ path: FieldPath) -> [FieldError] {
        target.split(separator: "/").contains("..") ? [.invalid(path, target, "must not contain '..'")] : []
    }

    /// `ValidateLocalNonReservedPath`: relative, no '..', not starting with "..".
    func validateLocalNonReservedPath(_ target: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if target.hasPrefix("/") { errs.append(.invalid(path, target, "must be a relative path")) }
        errs += validatePathNoBacksteps(target, path)
        if errs.isEmpty && target.hasPrefix("..") { errs.append(.invalid(path, target, "must not start with '..'")) }
        return errs
    }

    // MARK: Containers

    func validateContainers(_ containers: JSON?, _ volumes: [String: JSON], _ grace: Int64?, _ path: FieldPath) -> [FieldError] {
        let list = containers?.array ?? []
        if list.isEmpty { return [.required(path)] }
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, c) in list.enumerated() {
            let p = path.index(i)
            errs += validateContainerCommon(c, volumes, p)
            let name = c["name"]?.string ?? ""
            if names.contains(name) { errs.append(.duplicate(p.child("name"), name)) } else { names.insert(name) }
            if let lc = c["lifecycle"], lc.isObject { errs += validateLifecycle(lc, grace, p.child("lifecycle")) }
            errs += validateProbe(c["livenessProbe"], p.child("livenessProbe"), kind: .liveness)
            errs += validateProbe(c["readinessProbe"], p.child("readinessProbe"), kind: .readiness)
            errs += validateProbe(c["startupProbe"], p.child("startupProbe"), kind: .startup)
            if c["restartPolicy"].map({ !$0.isNull }) == true {
                errs.append(.forbidden(p.child("restartPolicy"), "may not be set for non-init containers"))
            }
        }
        errs += checkHostPortConflicts(list, path)
        return errs
    }

    func validateInitContainers(_ containers: JSON?, regular: JSON?, _ volumes: [String: JSON], _ grace: Int64?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set((regular?.array ?? []).map { $0["name"]?.string ?? "" })
        for (i, c) in (containers?.array ?? []).enumerated() {
            let p = path.index(i)
            errs += validateContainerCommon(c, volumes, p)
            var restartAlways = false
            if let rp = c["restartPolicy"]?.string {
                if rp != "Always" { errs.append(.notSupported(p.child("restartPolicy"), rp, ["Always"])) }
                restartAlways = rp == "Always"
            }
            let name = c["name"]?.string ?? ""
            if names.contains(name) { errs.append(.duplicate(p.child("name"), name)) } else if !name.isEmpty { names.insert(name) }
            errs += checkHostPortConflicts([c], path)
            if restartAlways {
                if let lc = c["lifecycle"], lc.isObject { errs += validateLifecycle(lc, grace, p.child("lifecycle")) }
                errs += validateProbe(c["livenessProbe"], p.child("livenessProbe"), kind: .liveness)
                errs += validateProbe(c["readinessProbe"], p.child("readinessProbe"), kind: .readiness)
                errs += validateProbe(c["startupProbe"], p.child("startupProbe"), kind: .startup)
            } else {
                for field in ["lifecycle", "livenessProbe", "readinessProbe", "startupProbe"] where c[field].map({ !$0.isNull }) == true {
                    errs.append(.forbidden(p.child(field), "may not be set for init containers without restartPolicy=Always"))
                }
            }
        }
        return errs
    }

    func validateEphemeralContainers(_ spec: JSON, _ volumes: [String: JSON], _ path: FieldPath) -> [FieldError] {
        let list = spec["ephemeralContainers"]?.array ?? []
        guard !list.isEmpty else { return [] }
        var errs: [FieldError] = []
        var others = Set<String>()
        for c in (spec["containers"]?.array ?? []) + (spec["initContainers"]?.array ?? []) { others.insert(c["name"]?.string ?? "") }
        var all = others
        for (i, c) in list.enumerated() {
            let p = path.index(i)
            errs += validateContainerCommon(c, volumes, p)
            errs += validateImageWhitespace(c, p)
            let name = c["name"]?.string ?? ""
            if all.contains(name) { errs.append(.duplicate(p.child("name"), name)) } else { all.insert(name) }
            if let target = c["targetContainerName"]?.string, !target.isEmpty, !others.contains(target) {
                errs.append(.notFound(p.child("targetContainerName"), target))
            }
            for field in ["ports", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] where !isZeroValue(c[field]) {
                errs.append(.forbidden(p.child(field), "cannot be set for an Ephemeral Container"))
            }
        }
        return errs
    }

    func validateContainerCommon(_ c: JSON, _ volumes: [String: JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let name = c["name"]?.string ?? ""
        if name.isEmpty { errs.append(.required(path.child("name"))) } else { errs += validateDNS1123Label(name, path.child("name")) }
        if (c["image"]?.string ?? "").isEmpty { errs.append(.required(path.child("image"))) }
        errs += validateEnum(c["terminationMessagePolicy"]?.string ?? "", path.child("terminationMessagePolicy"), ["File", "FallbackToLogsOnError"])
        errs += validateContainerPorts(c["ports"], path.child("ports"))
        errs += validateEnv(c["env"], path.child("env"))
        errs += validateEnvFrom(c["envFrom"], path.child("envFrom"))
        errs += validateVolumeMounts(c, volumes, path.child("volumeMounts"))
        errs += validateEnum(c["imagePullPolicy"]?.string ?? "", path.child("imagePullPolicy"), ["Always", "IfNotPresent", "Never"])
        errs += validateResourceRequirements(c["resources"], path.child("resources"))
        errs += validateContainerSecurityContext(c["securityContext"], path.child("securityContext"))
        return errs
    }

    func validateImageWhitespace(_ c: JSON, _ path: FieldPath) -> [FieldError] {
        let image = c["image"]?.string ?? ""
        return image != image.trimmingSpaces ? [.invalid(path.child("image"), image, "must not have leading or trailing whitespace")] : []
    }

    func validateContainerPorts(_ ports: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, port) in (ports?.array ?? []).enumerated() {
            let p = path.index(i)
            if let name = port["name"]?.string, !name.isEmpty {
                let msgs = isValidPortName(name)
                if !msgs.isEmpty {
                    errs += msgs.map { .invalid(p.child("name"), name, $0) }
                } else if names.contains(name) {
                    errs.append(.duplicate(p.child("name"), name))
                } else {
                    names.insert(name)
                }
            }
            let cp = port["containerPort"]?.int ?? 0
            if cp == 0 { errs.append(.required(p.child("containerPort"))) } else {
                errs += isValidPortNum(cp).map { .invalid(p.child("containerPort"), int: cp, $0) }
            }
            let hp = port["hostPort"]?.int ?? 0
            if hp != 0 { errs += isValidPortNum(hp).map { .invalid(p.child("hostPort"), int: hp, $0) } }
            errs += validateEnum(port["protocol"]?.string ?? "", p.child("protocol"), ["SCTP", "TCP", "UDP"])
        }
        return errs
    }

    func checkHostPortConflicts(_ containers: [JSON], _ path: FieldPath) -> [FieldError] {
        var seen = Set<String>()
        var errs: [FieldError] = []
        for (ci, c) in containers.enumerated() {
            for (pi, port) in (c["ports"]?.array ?? []).enumerated() {
                let hp = port["hostPort"]?.int ?? 0
                guard hp != 0 else { continue }
                let key = "\(port["protocol"]?.string ?? "")/\(port["hostIP"]?.string ?? "")/\(hp)"
                if seen.contains(key) {
                    errs.append(.duplicate(path.index(ci).child("ports").index(pi).child("hostPort"), key))
                } else {
                    seen.insert(key)
                }
            }
        }
        return errs
    }

    static let envFieldPaths = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                                "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]

    func validateEnv(_ env: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in (env?.array ?? []).enumerated() {
            let p = path.index(i)
            let name = ev["name"]?.string ?? ""
            if name.isEmpty { errs.append(.required(p.child("name"))) } else {
                errs += isRelaxedEnvVarName(name).map { .invalid(p.child("name"), name, $0) }
            }
            guard let vf = ev["valueFrom"], vf.isObject else { continue }
            let vp = p.child("valueFrom")
            var sources = 0
            if let fr = vf["fieldRef"], fr.isObject {
                sources += 1
                errs += validateObjectFieldSelector(fr, vp.child("fieldRef"))
            }
            if let rr = vf["resourceFieldRef"], rr.isObject {
                sources += 1
                let resource = rr["resource"]?.string ?? ""
                let allowed = ["limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"]
                if resource.isEmpty { errs.append(.required(vp.child("resourceFieldRef").child("resource"))) } else if !allowed.contains(resource)
                    && !resource.hasPrefix("requests.hugepages-") && !resource.hasPrefix("limits.hugepages-") {
                    errs.append(.notSupported(vp.child("resourceFieldRef").child("resource"), resource, allowed))
                }
            }
            for (key, label) in [("configMapKeyRef", "configMapKeyRef"), ("secretKeyRef", "secretKeyRef")] {
                guard let ref = vf[key], ref.isObject else { continue }
                sources += 1
                let rp = vp.child(label)
                let refName = ref["name"]?.string ?? ""
                errs += isDNS1123Subdomain(refName).map { .invalid(rp.child("name"), refName, $0) }
                let k = ref["key"]?.string ?? ""
                if k.isEmpty { errs.append(.required(rp.child("key"))) } else { errs += isConfigMapKey(k).map { .invalid(rp.child("key"), k, $0) } }
            }
            if sources == 0 {
                errs.append(.invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            } else if !(ev["value"]?.string ?? "").isEmpty {
                errs.append(.invalid(vp, "", "may not be specified when `value` is not empty"))
            } else if sources > 1 {
                errs.append(.invalid(vp, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    func validateObjectFieldSelector(_ fs: JSON, _ path: FieldPath) -> [FieldError] {
        let apiVersion = fs["apiVersion"]?.string ?? ""
        if apiVersion.isEmpty { return [.required(path.child("apiVersion"))] }
        let fieldPath = fs["fieldPath"]?.string ?? ""
        if fieldPath.isEmpty { return [.required(path.child("fieldPath"))] }
        if let open = fieldPath.firstIndex(of: "["), fieldPath.hasSuffix("]") {
            let base = String(fieldPath[..<open])
            var sub = String(fieldPath[fieldPath.index(after: open)...].dropLast())
            if sub.hasPrefix("'") && sub.hasSuffix("'") && sub.count >= 2 { sub = String(sub.dropFirst().dropLast()) }
            switch base {
            case "metadata.annotations": return validateQualifiedName(sub.lowercased(), path)
            case "metadata.labels": return validateQualifiedName(sub, path)
            default: return [.invalid(path, base, "does not support subscript")]
            }
        }
        let allowed = Self.envFieldPaths + ["metadata.labels", "metadata.annotations"]
        if !allowed.contains(fieldPath) {
            return [.notSupported(path.child("fieldPath"), fieldPath, Self.envFieldPaths)]
        }
        return []
    }

    func validateEnvFrom(_ envFrom: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ev) in (envFrom?.array ?? []).enumerated() {
            let p = path.index(i)
            if let prefix = ev["prefix"]?.string, !prefix.isEmpty {
                errs += isRelaxedEnvVarName(prefix).map { .invalid(p.child("prefix"), prefix, $0) }
            }
            var sources = 0
            for key in ["configMapRef", "secretRef"] {
                guard let ref = ev[key], ref.isObject else { continue }
                sources += 1
                let name = ref["name"]?.string ?? ""
                if name.isEmpty { errs.append(.required(p.child(key).child("name"))) } else {
                    errs += isDNS1123Subdomain(maskTrailingDash(name)).map { .invalid(p.child(key).child("name"), name, $0) }
                }
            }
            if sources == 0 {
                errs.append(.invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
            } else if sources > 1 {
                errs.append(.invalid(path, "", "may not have more than one field specified at a time"))
            }
        }
        return errs
    }

    func validateVolumeMounts(_ c: JSON, _ volumes: [String: JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        var mountPoints = Set<String>()
        let devices = Dictionary((c["volumeDevices"]?.array ?? []).map { ($0["name"]?.string ?? "", $0["devicePath"]?.string ?? "") },
                                 uniquingKeysWith: { a, _ in a })
        for (i, m) in (c["volumeMounts"]?.array ?? []).enumerated() {
            let p = path.index(i)
            let name = m["name"]?.string ?? ""
            let mountPath = m["mountPath"]?.string ?? ""
            if name.isEmpty { errs.append(.required(p.child("name"))) }
            if volumes[name] == nil { errs.append(.notFound(p.child("name"), name)) }
            if mountPath.isEmpty { errs.append(.required(p.child("mountPath"))) }
            if mountPoints.contains(mountPath) { errs.append(.invalid(p.child("mountPath"), mountPath, "must be unique")) }
            mountPoints.insert(mountPath)
            if devices[name] != nil { errs.append(.invalid(p.child("name"), name, "must not already exist in volumeDevices")) }
            if devices.values.contains(mountPath) {
                errs.append(.invalid(p.child("mountPath"), mountPath, "must not already exist as a path in volumeDevices"))
            }
            let subPath = m["subPath"]?.string ?? ""
            if !subPath.isEmpty { errs += validateLocalDescendingPath(subPath, path.child("subPath")) }
            let subPathExpr = m["subPathExpr"]?.string ?? ""
            if !subPathExpr.isEmpty {
                if !subPath.isEmpty {
                    errs.append(.invalid(p.child("subPathExpr"), subPathExpr, "subPathExpr and subPath are mutually exclusive"))
                }
                errs += validateLocalDescendingPath(subPathExpr, path.child("subPathExpr"))
            }
            if let mp = m["mountPropagation"]?.string {
                errs += validateEnum(mp, path.child("mountPropagation"), ["Bidirectional", "HostToContainer", "None"])
            }
        }
        return errs
    }

    /// `validateLocalDescendingPath`.
    func validateLocalDescendingPath(_ target: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if target.hasPrefix("/") { errs.append(.invalid(path, target, "must be a relative path")) }
        errs += validatePathNoBacksteps(target, path)
        return errs
    }

    enum ProbeKind { case liveness, readiness, startup }

    func validateProbe(_ probe: JSON?, _ path: FieldPath, kind: ProbeKind) -> [FieldError] {
        guard let probe, probe.isObject else { return [] }
        var errs = validateHandler(probe, path, allowGRPC: true, allowSleep: false)
        for field in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            errs += validateNonnegative(probe[field]?.int ?? 0, path.child(field))
        }
        if let t = probe["terminationGracePeriodSeconds"]?.int, t <= 0 {
            errs.append(.invalid(path.child("terminationGracePeriodSeconds"), int: t, "must be greater than 0"))
        }
        switch kind {
        case .liveness, .startup:
            let s = probe["successThreshold"]?.int ?? 0
            if s != 1 { errs.append(.invalid(path.child("successThreshold"), int: s, "must be 1")) }
        case .readiness:
            if let t = probe["terminationGracePeriodSeconds"]?.int {
                errs.append(.invalid(path.child("terminationGracePeriodSeconds"), int: t, "must not be set for readinessProbes"))
            }
        }
        return errs
    }

    func validateLifecycle(_ lc: JSON, _ grace: Int64?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for hook in ["postStart", "preStop"] {
            guard let h = lc[hook], h.isObject else { continue }
            errs += validateHandler(h, path.child(hook), allowGRPC: false, allowSleep: true, grace: grace)
        }
        return errs
    }

    func validateHandler(_ h: JSON, _ path: FieldPath, allowGRPC: Bool, allowSleep: Bool, grace: Int64? = nil) -> [FieldError] {
        var errs: [FieldError] = []
        var count = 0
        var keys = ["exec", "httpGet", "tcpSocket"]
        if allowGRPC { keys.append("grpc") }
        if allowSleep { keys.append("sleep") }
        for key in keys {
            guard let v = h[key], v.isObject else { continue }
            let p = path.child(key)
            if count > 0 {
                errs.append(.forbidden(p, "may not specify more than 1 handler type"))
                continue
            }
            count += 1
            switch key {
            case "exec":
                if (v["command"]?.array ?? []).isEmpty { errs.append(.required(p.child("command"))) }
            case "httpGet":
                if (v["path"]?.string ?? "").isEmpty { errs.append(.required(p.child("path"))) }
                errs += validatePortNumOrName(v["port"], p.child("port"))
                let scheme = v["scheme"]?.string ?? ""
                if scheme != "HTTP" && scheme != "HTTPS" { errs.append(.notSupported(p.child("scheme"), scheme, ["HTTP", "HTTPS"])) }
                for header in v["httpHeaders"]?.array ?? [] {
                    let hn = header["name"]?.string ?? ""
                    errs += isHTTPHeaderName(hn).map { .invalid(p.child("httpHeaders"), hn, $0) }
                }
            case "tcpSocket":
                errs += validatePortNumOrName(v["port"], p.child("port"))
            case "grpc":
                let port = v["port"]?.int ?? 0
                errs += isValidPortNum(port).map { .invalid(p.child("port"), int: port, $0) }
            case "sleep":
                let seconds = v["seconds"]?.int ?? 0
                if let grace, seconds <= 0 || seconds > grace {
                    errs.append(.invalid(p, int: seconds, "must be greater than 0 and less than terminationGracePeriodSeconds (\(grace)). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep."))
                }
            default: break
            }
        }
        if count == 0 { errs.append(.required(path, "must specify a handler type")) }
        return errs
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

    // MARK: Scheduling

    func validateTolerations(_ tolerations: JSON?, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, t) in (tolerations?.array ?? []).enumerated() {
            let p = path.index(i)
            let key = t["key"]?.string ?? ""
            let op = t["operator"]?.string ?? ""
            let value = t["value"]?.string ?? ""
            let effect = t["effect"]?.string ?? ""
            if !key.isEmpty { errs += validateLabelName(key, p.child("key")) }
            if key.isEmpty && op != "Exists" {
                errs.append(.invalid(p.child("operator"), op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
            }
            if t["tolerationSeconds"]?.int != nil && effect != "NoExecute" {
                errs.append(.invalid(p.child("effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
            }
            switch op {
            case "Equal", "":
                let msgs = isValidLabelValue(value)
                if !msgs.isEmpty { errs.append(.invalid(p.child("operator"), value, msgs.joined(separator: ";"))) }
            case "Exists":
                if !value.isEmpty { errs.append(.invalid(p.child("operator"), value, "value must be empty when `operator` is 'Exists'")) }
            default:
                errs.append(.notSupported(p.child("operator"), op, ["Equal", "Exists"]))
            }
            if !effect.isEmpty { errs += validateTaintEffect(effect, p.child("effect")) }
        }
        return errs
    }

    func validateTaintEffect(_ effect: String, _ path: FieldPath) -> [FieldError] {
        ["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) ? []
            : [.notSupported(path, effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"])]
    }

    func validateAffinity(_ affinity: JSON?, _ path: FieldPath) -> [FieldError] {
        guard let affinity, affinity.isObject else { return [] }
        var errs: [FieldError] = []
        if let na = affinity["nodeAffinity"], na.isObject {
            let np = path.child("nodeAffinity")
            if let req = na["requiredDuringSchedulingIgnoredDuringExecution"], req.isObject {
                let tp = np.child("requiredDuringSchedulingIgnoredDuringExecution").child("nodeSelectorTerms")
                let terms = req["nodeSelectorTerms"]?.array ?? []
                if terms.isEmpty { errs.append(.required(tp, "must have at least one node selector term")) }
                for (i, term) in terms.enumerated() { errs += validateNodeSelectorTerm(term, tp.index(i), allowInvalidValues: false) }
            }
            for (i, pref) in (na["preferredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                let pp = np.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                let w = pref["weight"]?.int ?? 0
                if w <= 0 || w > 100 { errs.append(.invalid(pp.child("weight"), int: w, "must be in the range 1-100")) }
                errs += validateNodeSelectorTerm(pref["preference"] ?? [:], pp.child("preference"), allowInvalidValues: true)
            }
        }
        for key in ["podAffinity", "podAntiAffinity"] {
            guard let pa = affinity[key], pa.isObject else { continue }
            let ap = path.child(key)
            for (i, term) in (pa["requiredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                errs += validatePodAffinityTerm(term, ap.child("requiredDuringSchedulingIgnoredDuringExecution").index(i))
            }
            for (i, wt) in (pa["preferredDuringSchedulingIgnoredDuringExecution"]?.array ?? []).enumerated() {
                let wp = ap.child("preferredDuringSchedulingIgnoredDuringExecution").index(i)
                let w = wt["weight"]?.int ?? 0
                if w <= 0 || w > 100 { errs.append(.invalid(wp.child("weight"), int: w, "must be in the range 1-100")) }
                errs += validatePodAffinityTerm(wt["podAffinityTerm"] ?? [:], wp.child("podAffinityTerm"))
            }
        }
        return errs
    }

    func validateNodeSelectorTerm(_ term: JSON, _ path: FieldPath, allowInvalidValues: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for (j, req) in (term["matchExpressions"]?.array ?? []).enumerated() {
            let p = path.child("matchExpressions").index(j)
            let op = req["operator"]?.string ?? ""
            let values = stringList(req["values"])
            switch op {
            case "In", "NotIn":
                if values.isEmpty { errs.append(.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errs.append(.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            case "Gt", "Lt":
                if values.count != 1 { errs.append(.required(p.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")) }
            default:
                errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
            }
            errs += validateLabelName(req["key"]?.string ?? "", p.child("key"))
            if !allowInvalidValues {
                for (k, v) in values.enumerated() { errs += isValidLabelValue(v).map { .invalid(p.child("values").index(k), v, $0) } }
            }
        }
        for (j, req) in (term["matchFields"]?.array ?? []).enumerated() {
            let p = path.child("matchFields").index(j)
            let op = req["operator"]?.string ?? ""
            let values = stringList(req["values"])
            if op == "In" || op == "NotIn" {
                if values.count != 1 { errs.append(.required(p.child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector")) }
            } else {
                errs.append(.invalid(p.child("operator"), op, "not a valid selector operator"))
            }
            let key = req["key"]?.string ?? ""
            if key != "metadata.name" {
                errs.append(.invalid(p.child("key"), key, "not a valid field selector key"))
            } else {
                for (k, v) in values.enumerated() { errs += isDNS1123Subdomain(v).map { .invalid(p.child("values").index(k), v, $0) } }
            }
        }
        return errs
    }

    func validatePodAffinityTerm(_ term: JSON, _ path: FieldPath) -> [FieldError] {
        var errs = validateLabelSelector(term["labelSelector"], path.child("labelSelector"))
        errs += validateLabelSelector(term["namespaceSelector"], path.child("namespaceSelector"))
        for ns in stringList(term["namespaces"]) {
            errs += isDNS1123Label(ns).map { .invalid(path.child("namespace"), ns, $0) }
        }
        let key = term["topologyKey"]?.string ?? ""
        if key.isEmpty { errs.append(.required(path.child("topologyKey"), "can not be empty")) }
        errs += validateLabelName(key, path.child("topologyKey"))
        return errs
    }

    func validateTopologySpreadConstraints(_ constraints: JSON?, _ path: FieldPath) -> [FieldError] {
        let list = constraints?.array ?? []
        var errs: [FieldError] = []
        for (i, c) in list.enumerated() {
            let p = path.index(i)
            let skew = c["maxSkew"]?.int ?? 0
            if skew <= 0 { errs.append(.invalid(p.child("maxSkew"), int: skew, Msg.notPositive)) }
            let key = c["topologyKey"]?.string ?? ""
            if key.isEmpty { errs.append(.required(p.child("topologyKey"), "can not be empty")) }
            let action = c["whenUnsatisfiable"]?.string ?? ""
            if action != "DoNotSchedule" && action != "ScheduleAnyway" {
                errs.append(.notSupported(p.child("whenUnsatisfiable"), action, ["DoNotSchedule", "ScheduleAnyway"]))
            }
            for rest in list.dropFirst(i + 1) where rest["topologyKey"]?.string ?? "" == key && rest["whenUnsatisfiable"]?.string ?? "" == action {
                errs.append(.duplicate(p.child("{topologyKey, whenUnsatisfiable}"), "{\(key), \(action)}"))
                break
            }
            if let md = c["minDomains"]?.int {
                if md <= 0 { errs.append(.invalid(p.child("minDomains"), int: md, Msg.notPositive)) }
                if action != "DoNotSchedule" {
                    errs.append(.invalid(p.child("minDomains"), int: md, "can only use minDomains if whenUnsatisfiable=DoNotSchedule, not \(action)"))
                }
            }
            for field in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
                if let v = c[field]?.string, v != "Ignore" && v != "Honor" {
                    errs.append(.notSupported(p.child(field), v, ["Honor", "Ignore"]))
                }
            }
            errs += validateLabelSelector(c["labelSelector"], p.child("labelSelector"))
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
