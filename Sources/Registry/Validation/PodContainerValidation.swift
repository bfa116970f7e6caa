import APIMachinery

/// Containers of a pod spec (`validateContainers`, `validateInitContainers`,
/// `validateEphemeralContainers`, `validateContainerCommon`): names, images, ports, env, mounts, probes.
extension PodSpecValidation {
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
            for field in ["ports", "resources", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] where !Semantic.isZeroValue(c[field]) {
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
        // ConvertDownwardAPIFieldLabel: what the v1 downward API knows at all.
        let convertible: Set<String> = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                                        "metadata.uid", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName",
                                        "spec.schedulerName", "status.phase", "status.hostIP", "status.hostIPs",
                                        "status.podIP", "status.podIPs"]
        if let open = fieldPath.firstIndex(of: "["), fieldPath.hasSuffix("]") {
            let base = String(fieldPath[..<open])
            var sub = String(fieldPath[fieldPath.index(after: open)...].dropLast())
            if sub.hasPrefix("'") && sub.hasSuffix("'") && sub.count >= 2 { sub = String(sub.dropFirst().dropLast()) }
            switch base {
            case "metadata.annotations": return validateQualifiedName(sub.lowercased(), path)
            case "metadata.labels": return validateQualifiedName(sub, path)
            default:
                return [.invalid(path.child("fieldPath"), fieldPath, "error converting fieldPath: field label not supported: \(fieldPath)")]
            }
        }
        if !convertible.contains(fieldPath) {
            return [.invalid(path.child("fieldPath"), fieldPath, "error converting fieldPath: field label not supported: \(fieldPath)")]
        }
        if !Self.envFieldPaths.contains(fieldPath) {
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
}
