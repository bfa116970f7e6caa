import APIMachinery

/// Nodes: `SetDefaults_NodeStatus` (allocatable defaults to capacity), the podCIDR/podCIDRs
/// conversion, `nodeStrategy` (a node is created with its status, as the kubelet registers it; spec
/// updates keep the old status) and `ValidateNode`/`ValidateNodeUpdate`. Field selector:
/// `spec.unschedulable`.
public struct NodeStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.editObject("spec") { spec in
            if Semantic.isZeroValue(spec["podCIDRs"]), let cidr = spec["podCIDR"]?.string, !cidr.isEmpty { spec["podCIDRs"] = [.string(cidr)] }
            if let first = spec["podCIDRs"]?.array?.first?.string { spec["podCIDR"] = .string(first) }
        }
        object.defaultIfNil("status", [:])
        object.editObject("status") { status in
            if !status.has("allocatable"), let capacity = status["capacity"], capacity.isObject { status["allocatable"] = capacity }
            // Struct-valued fields upstream always writes.
            status.defaultIfNil("daemonEndpoints", [:])
            status.editObject("daemonEndpoints") { d in
                d.defaultIfNil("kubeletEndpoint", [:])
                d.editObject("kubeletEndpoint") { $0.defaultIfNil("Port", 0) }
            }
            status.defaultIfNil("nodeInfo", [:])
            status.editObject("nodeInfo") { info in
                for key in ["machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
                            "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"] {
                    info.defaultIfNil(key, "")
                }
            }
        }
    }

    public func prepareForCreate(_ object: inout JSON) {}

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
    }

    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        var merged = old
        merged["metadata"] = object["metadata"]
        merged["status"] = object["status"]
        object = merged
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs = Self.validateTaints(object["spec"]?["taints"])
        errs += Self.validateResources(object["status"])
        let cidrs = stringList(object["spec"]?["podCIDRs"])
        let path = FieldPath("spec", "podCIDRs")
        for (i, c) in cidrs.enumerated() { errs += validateCIDR(c, path.index(i)) }
        if cidrs.count > 1 {
            let ips = cidrs.map { String($0.split(separator: "/").first ?? "") }
            if !isDualStack(ips) || cidrs.count > 2 {
                errs.append(.invalid(path, raw: GoSyntax.stringSlice(cidrs), "may specify no more than one CIDR for each IP family"))
            }
            var seen = Set<String>()
            for (i, c) in cidrs.enumerated() {
                if seen.contains(c) { errs.append(.duplicate(path.index(i), c)) }
                seen.insert(c)
            }
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = Self.validateResources(object["status"])
        var seen = Set<JSON>()
        for (i, a) in (object["status"]?["addresses"]?.array ?? []).enumerated() {
            if seen.contains(a) {
                errs.append(.duplicate(FieldPath("status", "addresses").index(i),
                    raw: "core.NodeAddress{Type:\(GoSyntax.quote(a["type"]?.string ?? "")), Address:\(GoSyntax.quote(a["address"]?.string ?? ""))}"))
            }
            seen.insert(a)
        }
        let oldCIDRs = stringList(old["spec"]?["podCIDRs"]), newCIDRs = stringList(object["spec"]?["podCIDRs"])
        if !oldCIDRs.isEmpty {
            let msg = "node updates may not change podCIDR except from \"\" to valid"
            if oldCIDRs.count != newCIDRs.count {
                errs.append(.forbidden(FieldPath("spec", "podCIDRs"), msg))
            } else {
                for (i, c) in oldCIDRs.enumerated() where c != newCIDRs[i] { errs.append(.forbidden(FieldPath("spec", "podCIDRs"), msg)) }
            }
        }
        let oldProvider = old["spec"]?["providerID"]?.string ?? ""
        if !oldProvider.isEmpty && oldProvider != object["spec"]?["providerID"]?.string ?? "" {
            errs.append(.forbidden(FieldPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
        }
        errs += Self.validateTaints(object["spec"]?["taints"])
        if (object["spec"]?["externalID"]?.string ?? "") != (old["spec"]?["externalID"]?.string ?? "") {
            errs.append(.forbidden(FieldPath("spec", "externalID"), "may not be updated"))
        }
        return errs
    }

    /// `validateNodeTaints`, reported under `metadata.taints` as upstream (sic) reports them.
    static func validateTaints(_ taints: JSON?) -> [FieldError] {
        var errs: [FieldError] = []
        var unique: [String: Set<String>] = [:]
        let path = FieldPath("metadata", "taints")
        let podSpec = PodSpecValidation(isPod: false)
        for (i, t) in (taints?.array ?? []).enumerated() {
            let p = path.index(i)
            let key = t["key"]?.string ?? "", value = t["value"]?.string ?? "", effect = t["effect"]?.string ?? ""
            errs += validateLabelName(key, p.child("key"))
            let msgs = isValidLabelValue(value)
            if !msgs.isEmpty { errs.append(.invalid(p.child("value"), value, msgs.joined(separator: ";"))) }
            if effect.isEmpty { errs.append(.required(p.child("effect"))) } else { errs += podSpec.validateTaintEffect(effect, p.child("effect")) }
            if unique[effect, default: []].contains(key) {
                var e = FieldError.duplicate(p, raw: "core.Taint{Key:\(GoSyntax.quote(key)), Value:\(GoSyntax.quote(value)), Effect:\(GoSyntax.quote(effect)), TimeAdded:<nil>}")
                e.detail = "taints must be unique by key and effect pair"
                errs.append(e)
                continue
            }
            unique[effect, default: []].insert(key)
        }
        return errs
    }

    /// `ValidateNodeResources`: capacity and allocatable quantities are valid.
    static func validateResources(_ status: JSON?) -> [FieldError] {
        var errs: [FieldError] = []
        for field in ["capacity", "allocatable"] {
            let list = status?[field]?.object ?? [:]
            for name in list.keys.sorted() {
                let p = FieldPath("status", field, name)
                switch decodeQuantity(list[name], p) {
                case .success(let q): errs += validateResourceQuantity(name, q, p)
                case .failure(let error): errs.append(error)
                }
            }
        }
        return errs
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["spec.unschedulable"] = object["spec"]?["unschedulable"]?.bool == true ? "true" : "false"
        return f
    }
}
