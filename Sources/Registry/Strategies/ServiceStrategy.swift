import APIMachinery

/// Services: `SetDefaults_Service`, the IP-family defaults upstream's allocator fills in
/// (`ipFamilyPolicy`, `ipFamilies`; the cluster IP itself is allocated by the server), the
/// clusterIP/clusterIPs normalisation and type-change cleanup of upstream's service REST storage, and
/// `ValidateService`/`ValidateServiceUpdate`. Field selectors: `spec.clusterIP`, `spec.type`.
public struct ServiceStrategy: ResourceStrategy, StatusValidatingStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfZero("sessionAffinity", "None")
        if spec["sessionAffinity"]?.string == "None" { spec["sessionAffinityConfig"] = nil }
        if spec["sessionAffinity"]?.string == "ClientIP", spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"]?.int == nil {
            spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
        }
        spec.defaultIfZero("type", "ClusterIP")
        spec.editEach("ports") { p in
            p.defaultIfZero("protocol", "TCP")
            if Semantic.isZeroValue(p["targetPort"]) { p["targetPort"] = p["port"] ?? 0 }
        }
        let type = spec["type"]?.string ?? ""
        if Self.externallyAccessible(spec) { spec.defaultIfZero("externalTrafficPolicy", "Cluster") }
        if ["NodePort", "LoadBalancer", "ClusterIP"].contains(type) { spec.defaultIfNil("internalTrafficPolicy", "Cluster") }
        if type == "LoadBalancer" { spec.defaultIfNil("allocateLoadBalancerNodePorts", true) }
        // A client that sets only clusterIP gets clusterIPs to match (create-time normalisation).
        if let ip = spec["clusterIP"]?.string, !ip.isEmpty, Semantic.isZeroValue(spec["clusterIPs"]) { spec["clusterIPs"] = [.string(ip)] }
        if type != "ExternalName" { Self.defaultIPFamilies(&spec) }
        object["spec"] = spec
        if type == "LoadBalancer" {
            object.editObject("status") { st in
                st.editObject("loadBalancer") { lb in
                    lb.editEach("ingress") { ing in
                        if !Semantic.isZeroValue(ing["ip"]) { ing.defaultIfNil("ipMode", "VIP") }
                    }
                }
            }
        }
    }

    /// What upstream's allocator sets before allocating: SingleStack (RequireDualStack for headless
    /// services without a selector), and the family of the given cluster IPs or the cluster's (IPv4).
    static func defaultIPFamilies(_ spec: inout JSON) {
        let headless = spec["clusterIP"]?.string == "None"
        let selectorless = (spec["selector"]?.object ?? [:]).isEmpty
        spec.defaultIfNil("ipFamilyPolicy", headless && selectorless ? "RequireDualStack" : "SingleStack")
        if Semantic.isZeroValue(spec["ipFamilies"]) {
            let ips = stringList(spec["clusterIPs"]).filter { $0 != "None" }.compactMap(IPAddress.init)
            if ips.isEmpty {
                spec["ipFamilies"] = ["IPv4"]
            } else {
                spec["ipFamilies"] = .array(ips.map { .string($0.isIPv4 ? "IPv4" : "IPv6") })
            }
        }
    }

    static func externallyAccessible(_ spec: JSON) -> Bool {
        let type = spec["type"]?.string ?? ""
        return type == "LoadBalancer" || type == "NodePort" || (type == "ClusterIP" && !(spec["externalIPs"]?.array ?? []).isEmpty)
    }

    public static func needsClusterIP(_ spec: JSON) -> Bool { spec["type"]?.string != "ExternalName" }
    public static func needsNodePort(_ spec: JSON) -> Bool {
        let type = spec["type"]?.string ?? ""
        return type == "NodePort" || (type == "LoadBalancer" && spec["allocateLoadBalancerNodePorts"]?.bool != false)
    }
    public static func needsHealthCheckNodePort(_ spec: JSON) -> Bool {
        spec["type"]?.string == "LoadBalancer" && spec["externalTrafficPolicy"]?.string == "Local"
    }

    public func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["loadBalancer": [:]]
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"] ?? ["loadBalancer": [:]]
        var spec = object["spec"] ?? [:]
        let oldSpec = old["spec"] ?? [:]
        Self.patchAllocatedValues(&spec, old: oldSpec)
        Self.normalizeClusterIPs(&spec, old: oldSpec)
        Self.dropTypeDependentFields(&spec, old: oldSpec)
        if spec["type"]?.string != "LoadBalancer" { object["status"] = ["loadBalancer": [:]] }
        object["spec"] = spec
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        merged["status"] = object["status"]
        object = merged
    }

    /// An update that leaves out allocated values (a PUT of a hand-written manifest) keeps them.
    static func patchAllocatedValues(_ spec: inout JSON, old: JSON) {
        if needsClusterIP(old) && needsClusterIP(spec) {
            if Semantic.isZeroValue(spec["clusterIP"]) { spec["clusterIP"] = old["clusterIP"] }
            if Semantic.isZeroValue(spec["clusterIPs"]) && !Semantic.isZeroValue(old["clusterIPs"]) { spec["clusterIPs"] = old["clusterIPs"] }
        }
        if needsNodePort(old) && needsNodePort(spec) {
            let oldPorts = old["ports"]?.array ?? []
            let newUsed = Set((spec["ports"]?.array ?? []).compactMap { $0["nodePort"]?.int }.filter { $0 != 0 })
            let oldUsed = Set(oldPorts.compactMap { $0["nodePort"]?.int }.filter { $0 != 0 })
            let used = newUsed.intersection(oldUsed)
            var byName: [String: Int64] = [:]
            for p in oldPorts { byName[p["name"]?.string ?? ""] = p["nodePort"]?.int ?? 0 }
            spec.editEach("ports") { p in
                if Semantic.isZeroValue(p["nodePort"]), let v = byName[p["name"]?.string ?? ""], v != 0, !used.contains(v) {
                    p["nodePort"] = .int(v)
                }
            }
        }
        if needsHealthCheckNodePort(old) && needsHealthCheckNodePort(spec) && Semantic.isZeroValue(spec["healthCheckNodePort"]) {
            spec["healthCheckNodePort"] = old["healthCheckNodePort"]
        }
    }

    /// Upstream's `normalizeClusterIPs` for updates: clients that only know `clusterIP` keep working.
    static func normalizeClusterIPs(_ spec: inout JSON, old: JSON) {
        let newIP = spec["clusterIP"]?.string ?? "", oldIP = old["clusterIP"]?.string ?? ""
        let sameIPs = Semantic.equal(spec["clusterIPs"], old["clusterIPs"])
        if !Semantic.isZeroValue(old["clusterIPs"]) && Semantic.isZeroValue(spec["clusterIPs"]) && oldIP == newIP {
            spec["clusterIPs"] = old["clusterIPs"]
        }
        if oldIP != newIP {
            if !oldIP.isEmpty && newIP.isEmpty {
                if sameIPs { spec["clusterIPs"] = nil }
            } else if sameIPs {
                spec["clusterIPs"] = [.string(newIP)]
            }
        }
    }

    /// Upstream's `dropTypeDependentFields`: switching type clears what the old type had allocated,
    /// unless the client changed it.
    static func dropTypeDependentFields(_ spec: inout JSON, old: JSON) {
        if needsClusterIP(old) && !needsClusterIP(spec) {
            if Semantic.equal(spec["clusterIPs"], old["clusterIPs"]) && (spec["clusterIP"]?.string ?? "") == (old["clusterIP"]?.string ?? "") {
                spec["clusterIP"] = nil
                spec["clusterIPs"] = nil
            }
            if Semantic.equal(spec["ipFamilies"], old["ipFamilies"]) { spec["ipFamilies"] = nil }
            if Semantic.equal(spec["ipFamilyPolicy"], old["ipFamilyPolicy"]) { spec["ipFamilyPolicy"] = nil }
        }
        if needsNodePort(old) && !needsNodePort(spec) {
            let newPorts = (spec["ports"]?.array ?? []).map { $0["nodePort"]?.int ?? 0 }
            let oldPorts = (old["ports"]?.array ?? []).map { $0["nodePort"]?.int ?? 0 }
            if newPorts == oldPorts { spec.editEach("ports") { $0["nodePort"] = nil } }
        }
        if needsHealthCheckNodePort(old) && !needsHealthCheckNodePort(spec)
            && spec["healthCheckNodePort"]?.int == old["healthCheckNodePort"]?.int {
            spec["healthCheckNodePort"] = nil
        }
        if old["type"]?.string == "LoadBalancer" && spec["type"]?.string != "LoadBalancer" {
            if let n = spec["allocateLoadBalancerNodePorts"]?.bool, n == old["allocateLoadBalancerNodePorts"]?.bool {
                spec["allocateLoadBalancerNodePorts"] = nil
            }
            if spec["loadBalancerClass"] == old["loadBalancerClass"] { spec["loadBalancerClass"] = nil }
        }
        if externallyAccessible(old) && !externallyAccessible(spec) && spec["externalTrafficPolicy"] == old["externalTrafficPolicy"] {
            spec["externalTrafficPolicy"] = nil
        }
    }

    public func validate(_ object: JSON) -> [FieldError] {
        ServiceValidation.validate(object)
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        ServiceValidation.validateUpdate(object, old: old)
    }

    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        ServiceValidation.validateLoadBalancerStatus(object)
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["spec.clusterIP"] = object["spec"]?["clusterIP"]?.string ?? ""
        f["spec.type"] = object["spec"]?["type"]?.string ?? ""
        return f
    }
}
