import APIMachinery

/// Upstream's `ValidateService`, `ValidateServiceUpdate` and `ValidateServiceStatusUpdate`.
enum ServiceValidation {
    static let supportedTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

    static func isHeadless(_ spec: JSON) -> Bool {
        let ips = stringList(spec["clusterIPs"])
        return ips.count == 1 && ips[0] == "None"
    }

    static func validate(_ service: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = service["spec"] ?? [:]
        let specPath = FieldPath("spec")
        let annotations = service["metadata"]?["annotations"]?.object ?? [:]
        if let mode = annotations["service.kubernetes.io/topology-mode"]?.string,
            let hints = annotations["service.kubernetes.io/topology-aware-hints"]?.string, mode != hints {
            errs.append(.invalid(FieldPath("metadata", "annotations").key("service.kubernetes.io/topology-mode"), mode,
                                 "must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"))
        }
        let type = spec["type"]?.string ?? ""
        let ports = spec["ports"]?.array ?? []
        let headless = isHeadless(spec)
        if ports.isEmpty && !headless && type != "ExternalName" { errs.append(.required(specPath.child("ports"))) }
        switch type {
        case "LoadBalancer", "NodePort":
            if headless {
                errs.append(.invalid(specPath.child("clusterIPs").index(0), "None", "may not be set to 'None' for \(type) services"))
            }
        case "ExternalName":
            if !stringList(spec["clusterIPs"]).isEmpty {
                errs.append(.forbidden(specPath.child("clusterIPs"), "may not be set for ExternalName services"))
            }
            if !stringList(spec["ipFamilies"]).isEmpty {
                errs.append(.forbidden(specPath.child("ipFamilies"), "may not be set for ExternalName services"))
            }
            if spec.has("ipFamilyPolicy") {
                errs.append(.forbidden(specPath.child("ipFamilyPolicy"), "may not be set for ExternalName services"))
            }
            var cname = spec["externalName"]?.string ?? ""
            if cname.hasSuffix(".") { cname.removeLast() }
            if cname.isEmpty { errs.append(.required(specPath.child("externalName"))) } else {
                errs += validateDNS1123Subdomain(cname, specPath.child("externalName"))
            }
        default: break
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            errs += validateServicePort(port, requireName: ports.count > 1, names: &names, specPath.child("ports").index(i))
        }
        if let sel = spec["selector"], sel.isObject { errs += validateLabels(sel, specPath.child("selector")) }
        let affinity = spec["sessionAffinity"]?.string ?? ""
        if affinity.isEmpty {
            errs.append(.required(specPath.child("sessionAffinity")))
        } else if affinity != "ClientIP" && affinity != "None" {
            errs.append(.notSupported(specPath.child("sessionAffinity"), affinity, ["ClientIP", "None"]))
        }
        let acPath = specPath.child("sessionAffinityConfig")
        if affinity == "ClientIP" {
            if let t = spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"]?.int {
                if t <= 0 || t > 86400 { errs.append(.invalid(acPath.child("clientIP", "timeoutSeconds"), int: t, "must be greater than 0 and less than 86400")) }
            } else if !spec.has("sessionAffinityConfig") {
                errs.append(.required(acPath, "when session affinity type is ClientIP"))
            } else if !(spec["sessionAffinityConfig"]?.has("clientIP") ?? false) {
                errs.append(.required(acPath.child("clientIP"), "when session affinity type is ClientIP"))
            } else {
                errs.append(.required(acPath.child("clientIP", "timeoutSeconds"), "when session affinity type is ClientIP"))
            }
        } else if affinity == "None" && spec.has("sessionAffinityConfig") {
            errs.append(.forbidden(acPath, "must not be set when session affinity is None"))
        }
        errs += validateClusterIPsRelatedFields(spec)
        for (i, ip) in stringList(spec["externalIPs"]).enumerated() {
            let p = specPath.child("externalIPs").index(i)
            let ipErrs = validateIP(ip, p)
            errs += ipErrs.isEmpty ? validateNonSpecialIP(ip, p) : ipErrs
        }
        if type.isEmpty {
            errs.append(.required(specPath.child("type")))
        } else if !supportedTypes.contains(type) {
            errs.append(.notSupported(specPath.child("type"), type, supportedTypes))
        }
        if type == "ClusterIP" {
            for (i, port) in ports.enumerated() where (port["nodePort"]?.int ?? 0) != 0 {
                errs.append(.forbidden(specPath.child("ports").index(i).child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
            }
        }
        var nodePorts = Set<String>()
        for (i, port) in ports.enumerated() {
            let np = port["nodePort"]?.int ?? 0
            guard np != 0 else { continue }
            let key = "\(port["protocol"]?.string ?? "")/\(np)"
            if nodePorts.contains(key) { errs.append(FieldError(.duplicate, specPath.child("ports").index(i).child("nodePort").description, value: String(np))) }
            nodePorts.insert(key)
        }
        var seenPorts = Set<String>()
        for (i, port) in ports.enumerated() {
            let proto = port["protocol"]?.string ?? "", number = port["port"]?.int ?? 0
            let key = "\(proto)/\(number)"
            if seenPorts.contains(key) {
                errs.append(.duplicate(specPath.child("ports").index(i),
                    raw: "core.ServicePort{Name:\"\", Protocol:\(GoSyntax.quote(proto)), AppProtocol:(*string)(nil), Port:\(number), TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"))
            }
            seenPorts.insert(key)
        }
        let ranges = stringList(spec["loadBalancerSourceRanges"])
        if !ranges.isEmpty {
            let p = specPath.child("LoadBalancerSourceRanges")
            if type != "LoadBalancer" { errs.append(.forbidden(p, "may only be used when `type` is 'LoadBalancer'")) }
            for (i, r) in ranges.enumerated() { errs += validateCIDR(r.trimmingSpaces, p.index(i)) }
        }
        if spec.has("allocateLoadBalancerNodePorts") && type != "LoadBalancer" {
            errs.append(.forbidden(specPath.child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
        }
        if type == "LoadBalancer" && !spec.has("allocateLoadBalancerNodePorts") {
            errs.append(.required(FieldPath("allocateLoadBalancerNodePorts")))
        }
        if let lbc = spec["loadBalancerClass"]?.string {
            if type == "LoadBalancer" {
                errs += validateQualifiedName(lbc, specPath.child("loadBalancerClass"))
            } else {
                errs.append(.forbidden(specPath.child("loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'"))
            }
        }
        errs += validateTrafficPolicies(spec)
        return errs
    }

    static func validateServicePort(_ port: JSON, requireName: Bool, names: inout Set<String>, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let name = port["name"]?.string ?? ""
        if requireName && name.isEmpty {
            errs.append(.required(path.child("name")))
        } else if !name.isEmpty {
            errs += validateDNS1123Label(name, path.child("name"))
            if names.contains(name) { errs.append(.duplicate(path.child("name"), name)) } else { names.insert(name) }
        }
        let number = port["port"]?.int ?? 0
        errs += isValidPortNum(number).map { .invalid(path.child("port"), int: number, $0) }
        let proto = port["protocol"]?.string ?? ""
        if proto.isEmpty {
            errs.append(.required(path.child("protocol")))
        } else if !["SCTP", "TCP", "UDP"].contains(proto) {
            errs.append(.notSupported(path.child("protocol"), proto, ["SCTP", "TCP", "UDP"]))
        }
        errs += validatePortNumOrName(port["targetPort"], path.child("targetPort"))
        if let ap = port["appProtocol"]?.string { errs += validateQualifiedName(ap, path.child("appProtocol")) }
        return errs
    }

    static func validateTrafficPolicies(_ spec: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let path = FieldPath("spec")
        let etp = spec["externalTrafficPolicy"]?.string ?? ""
        let accessible = ServiceStrategy.externallyAccessible(spec)
        if !accessible {
            if !etp.isEmpty { errs.append(.invalid(path.child("externalTrafficPolicy"), etp, "may only be set for externally-accessible services")) }
        } else if etp.isEmpty {
            errs.append(.required(path.child("externalTrafficPolicy")))
        } else if etp != "Cluster" && etp != "Local" {
            errs.append(.notSupported(path.child("externalTrafficPolicy"), etp, ["Cluster", "Local"]))
        }
        let hc = spec["healthCheckNodePort"]?.int ?? 0
        if !ServiceStrategy.needsHealthCheckNodePort(spec) {
            if hc != 0 {
                errs.append(.invalid(path.child("healthCheckNodePort"), int: hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
            }
        } else if hc == 0 {
            errs.append(.required(path.child("healthCheckNodePort")))
        } else {
            errs += isValidPortNum(hc).map { .invalid(path.child("healthCheckNodePort"), int: hc, $0) }
        }
        let type = spec["type"]?.string ?? ""
        if let itp = spec["internalTrafficPolicy"]?.string {
            if itp != "Cluster" && itp != "Local" { errs.append(.notSupported(path.child("internalTrafficPolicy"), itp, ["Cluster", "Local"])) }
        } else if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) {
            errs.append(.required(path.child("internalTrafficPolicy")))
        }
        if let td = spec["trafficDistribution"]?.string, td != "PreferClose" {
            errs.append(.notSupported(path.child("trafficDistribution"), td, ["PreferClose"]))
        }
        return errs
    }

    /// `ValidateServiceClusterIPsRelatedFields`.
    static func validateClusterIPsRelatedFields(_ spec: JSON) -> [FieldError] {
        if spec["type"]?.string == "ExternalName" { return [] }
        var errs: [FieldError] = []
        let clusterIPsPath = FieldPath("spec", "clusterIPs")
        let clusterIP = spec["clusterIP"]?.string ?? ""
        let clusterIPs = stringList(spec["clusterIPs"])
        let ipsRaw = GoSyntax.stringSlice(spec["clusterIPs"]?.array == nil ? nil : clusterIPs)
        if !clusterIP.isEmpty {
            if clusterIPs.isEmpty {
                errs.append(.required(clusterIPsPath))
            } else if clusterIPs[0] != clusterIP {
                errs.append(.invalid(clusterIPsPath, raw: ipsRaw, "first value must match `clusterIP`"))
            }
        } else if !clusterIPs.isEmpty {
            errs.append(.invalid(clusterIPsPath, raw: ipsRaw, "must be empty when `clusterIP` is not specified"))
        }
        var seen = Set<String>()
        for (i, family) in stringList(spec["ipFamilies"]).enumerated() {
            let p = FieldPath("spec", "ipFamilies").index(i)
            if family != "IPv4" && family != "IPv6" { errs.append(.notSupported(p, family, ["IPv4", "IPv6"])) }
            if seen.contains(family) { errs.append(.duplicate(p, family)) }
            seen.insert(family)
        }
        if let policy = spec["ipFamilyPolicy"]?.string, !["PreferDualStack", "RequireDualStack", "SingleStack"].contains(policy) {
            errs.append(.notSupported(FieldPath("spec", "ipFamilyPolicy"), policy, ["PreferDualStack", "RequireDualStack", "SingleStack"]))
        }
        var invalidIPs = false
        for (i, ip) in clusterIPs.enumerated() {
            if i == 0 && ip == "None" {
                if clusterIPs.count > 1 {
                    invalidIPs = true
                    errs.append(.invalid(clusterIPsPath, raw: ipsRaw, "'None' must be the first and only value"))
                }
                continue
            }
            let e = validateIP(ip, clusterIPsPath.index(i))
            if !e.isEmpty { invalidIPs = true }
            errs += e
        }
        if clusterIPs.count > 2 { errs.append(.invalid(clusterIPsPath, raw: ipsRaw, "may only hold up to 2 values")) }
        if invalidIPs { return errs }
        if clusterIPs.count > 1 && !isDualStack(clusterIPs) {
            errs.append(.invalid(clusterIPsPath, raw: ipsRaw, "may specify no more than one IP for each IP family"))
        }
        let families = stringList(spec["ipFamilies"])
        if !isHeadless(spec) && !clusterIPs.isEmpty && !families.isEmpty {
            for (i, ip) in clusterIPs.enumerated() where i < families.count {
                let v6 = IPAddress(ip)?.isIPv6 ?? false
                if families[i] == "IPv4" && v6 {
                    errs.append(.invalid(clusterIPsPath.index(i), ip, "expected an IPv4 value as indicated by `ipFamilies[\(i)]`"))
                }
                if families[i] == "IPv6" && !v6 {
                    errs.append(.invalid(clusterIPsPath.index(i), ip, "expected an IPv6 value as indicated by `ipFamilies[\(i)]`"))
                }
            }
        }
        return errs
    }

    static func validateUpdate(_ service: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = service["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        let newType = spec["type"]?.string, oldType = oldSpec["type"]?.string
        let clusterIPsPath = FieldPath("spec", "clusterIPs")
        let newIPs = stringList(spec["clusterIPs"]), oldIPs = stringList(oldSpec["clusterIPs"])
        let newRaw = GoSyntax.stringSlice(spec["clusterIPs"]?.array == nil ? nil : newIPs)
        if newType != "ExternalName" && oldType != "ExternalName" && !(isHeadless(spec) && isHeadless(oldSpec)) {
            if oldIPs.count == newIPs.count {
                for (i, ip) in oldIPs.enumerated() where ip != newIPs[i] {
                    errs.append(.invalid(clusterIPsPath.index(i), raw: newRaw, "may not change once set"))
                }
            } else if oldIPs.count > newIPs.count {
                if newIPs.isEmpty { errs.append(.invalid(clusterIPsPath.index(0), raw: newRaw, "primary clusterIP can not be unset")) }
                if !oldIPs.isEmpty && !newIPs.isEmpty && newIPs[0] != oldIPs[0] {
                    errs.append(.invalid(clusterIPsPath.index(0), raw: newRaw, "may not change once set"))
                }
                if newIPs.count == 1 && spec["ipFamilyPolicy"]?.string != "SingleStack" {
                    errs.append(.invalid(FieldPath("spec", "ipFamilyPolicy"), spec["ipFamilyPolicy"]?.string ?? "null",
                                         "must be set to 'SingleStack' when releasing the secondary clusterIP"))
                }
            } else if !oldIPs.isEmpty && newIPs[0] != oldIPs[0] {
                errs.append(.invalid(clusterIPsPath.index(0), raw: newRaw, "may not change once set"))
            }
        }
        if newType != "ExternalName" && oldType != "ExternalName" && isHeadless(spec) == isHeadless(oldSpec) && !isHeadless(spec) {
            let newF = stringList(spec["ipFamilies"]), oldF = stringList(oldSpec["ipFamilies"])
            let famPath = FieldPath("spec", "ipFamilies").index(0)
            let famRaw = "[]core.IPFamily{" + newF.map(GoSyntax.quote).joined(separator: ", ") + "}"
            if oldF.count == newF.count {
                for (i, f) in oldF.enumerated() where f != newF[i] {
                    errs.append(.invalid(famPath, raw: famRaw, "may not change once set"))
                }
            } else if oldF.count > newF.count {
                if newIPs.isEmpty { errs.append(.invalid(famPath, raw: famRaw, "primary ipFamily can not be unset")) }
                if !newF.isEmpty && newF[0] != oldF[0] { errs.append(.invalid(famPath, raw: newRaw, "may not change once set")) }
                if newF.count == 1 && spec["ipFamilyPolicy"]?.string != "SingleStack" {
                    errs.append(.invalid(FieldPath("spec", "ipFamilyPolicy"), spec["ipFamilyPolicy"]?.string ?? "null",
                                         "must be set to 'SingleStack' when releasing the secondary ipFamily"))
                }
            } else if !oldF.isEmpty && !newF.isEmpty && newF[0] != oldF[0] {
                errs.append(.invalid(famPath, raw: newRaw, "may not change once set"))
            }
        }
        if oldType == "LoadBalancer" && newType == "LoadBalancer" && spec["loadBalancerClass"] != oldSpec["loadBalancerClass"] {
            errs.append(.invalid(FieldPath("spec", "loadBalancerClass"), spec["loadBalancerClass"]?.string ?? "null", "may not change once set"))
        }
        if ServiceStrategy.needsHealthCheckNodePort(oldSpec) && ServiceStrategy.needsHealthCheckNodePort(spec)
            && spec["healthCheckNodePort"]?.int != oldSpec["healthCheckNodePort"]?.int {
            errs.append(.forbidden(FieldPath("spec", "healthCheckNodePort"), Msg.immutable))
        }
        return errs + validate(service)
    }

    static func validateLoadBalancerStatus(_ service: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let ingress = service["status"]?["loadBalancer"]?["ingress"]?.array ?? []
        let path = FieldPath("status", "loadBalancer", "ingress")
        if service["spec"]?["type"]?.string != "LoadBalancer" && !ingress.isEmpty {
            return [.forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'")]
        }
        for (i, ing) in ingress.enumerated() {
            let p = path.index(i)
            let ip = ing["ip"]?.string ?? ""
            if !ip.isEmpty { errs += validateIP(ip, p.child("ip")) }
            if let mode = ing["ipMode"]?.string {
                if ip.isEmpty {
                    errs.append(.forbidden(p.child("ipMode"), "may not be specified when `ip` is not set"))
                } else if mode != "VIP" && mode != "Proxy" {
                    errs.append(.notSupported(p.child("ipMode"), mode, ["Proxy", "VIP"]))
                }
            } else if !ip.isEmpty {
                errs.append(.required(p.child("ipMode"), "must be specified when `ip` is set"))
            }
            let host = ing["hostname"]?.string ?? ""
            if !host.isEmpty {
                errs += validateDNS1123Subdomain(host, p.child("hostname"))
                if IPAddress(host) != nil { errs.append(.invalid(p.child("hostname"), host, "must be a DNS name, not an IP address")) }
            }
        }
        return errs
    }
}
