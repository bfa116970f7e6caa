import APIMachinery

/// What serving needs from a CustomResourceDefinition object, read once from its JSON: names, scope and,
/// per version, whether it is served or stored, its schema, subresources and printer columns.
public struct CustomResourceDefinitionModel: Sendable, Equatable {
    public var name: String
    public var uid: String
    public var group: String
    public var plural: String
    public var singular: String
    public var kind: String
    public var listKind: String
    public var shortNames: [String]
    public var categories: [String]
    public var namespaced: Bool
    public var versions: [Version]

    public struct Version: Sendable, Equatable {
        public var name: String
        public var served: Bool
        public var storage: Bool
        /// `schema.openAPIV3Schema`, or nil when absent.
        public var schema: JSON?
        public var statusSubresource: Bool
        public var scale: Scale?
        public var printerColumns: [PrinterColumn]
        public var deprecated: Bool
        public var deprecationWarning: String?
        /// `selectableFields` JSON paths (".spec.color"): field selectors beside metadata.name/namespace.
        public var selectableFields: [String] = []
    }

    public struct Scale: Sendable, Equatable {
        public var specReplicasPath: String
        public var statusReplicasPath: String
        public var labelSelectorPath: String?
    }

    public struct PrinterColumn: Sendable, Equatable {
        public var name: String
        public var type: String
        public var format: String
        public var description: String
        public var priority: Int
        public var jsonPath: String
    }

    public init?(_ crd: JSON) {
        guard let spec = crd["spec"], let group = spec["group"]?.string,
              let names = spec["names"], let plural = names["plural"]?.string, let kind = names["kind"]?.string
        else { return nil }
        name = crd[path: ["metadata", "name"]]?.string ?? ""
        uid = crd[path: ["metadata", "uid"]]?.string ?? ""
        self.group = group
        self.plural = plural
        self.kind = kind
        singular = names["singular"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? kind.lowercased()
        listKind = names["listKind"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? kind + "List"
        shortNames = names["shortNames"]?.array?.compactMap(\.string) ?? []
        categories = names["categories"]?.array?.compactMap(\.string) ?? []
        namespaced = spec["scope"]?.string != "Cluster"
        versions = (spec["versions"]?.array ?? []).map { v in
            let sub = v["subresources"]
            var scale: Scale? = nil
            if let s = sub?["scale"], s.isObject {
                scale = Scale(specReplicasPath: s["specReplicasPath"]?.string ?? ".spec.replicas",
                              statusReplicasPath: s["statusReplicasPath"]?.string ?? ".status.replicas",
                              labelSelectorPath: s["labelSelectorPath"]?.string)
            }
            let columns = (v["additionalPrinterColumns"]?.array ?? []).map { c in
                PrinterColumn(name: c["name"]?.string ?? "", type: c["type"]?.string ?? "string",
                              format: c["format"]?.string ?? "", description: c["description"]?.string ?? "",
                              priority: Int(c["priority"]?.int ?? 0), jsonPath: c["jsonPath"]?.string ?? "")
            }
            return Version(
                name: v["name"]?.string ?? "", served: v["served"]?.bool ?? false, storage: v["storage"]?.bool ?? false,
                schema: v["schema"]?["openAPIV3Schema"], statusSubresource: sub?["status"]?.isObject == true,
                scale: scale, printerColumns: columns, deprecated: v["deprecated"]?.bool ?? false,
                deprecationWarning: v["deprecationWarning"]?.string,
                selectableFields: (v["selectableFields"]?.array ?? []).compactMap { $0["jsonPath"]?.string })
        }
    }

    public var storageVersion: String? { versions.first { $0.storage }?.name }

    /// Served versions, most preferred first (upstream's kube-aware version order).
    public var servedVersions: [Version] {
        versions.filter(\.served).sorted { KubeVersionOrder.less($1.name, $0.name) }
    }

    public func version(_ name: String) -> Version? { versions.first { $0.name == name } }

    /// The catalog entry a served version answers as.
    public func resourceInfo(_ v: Version) -> ResourceInfo {
        var subs: [ResourceInfo.Subresource] = []
        if v.scale != nil {
            subs.append(.init(name: "scale", group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"]))
        }
        if v.statusSubresource {
            subs.append(.init(name: "status", group: group, version: v.name, kind: kind, verbs: ["get", "patch", "update"]))
        }
        var info = ResourceInfo(group: group, version: v.name, resource: plural, kind: kind, namespaced: namespaced,
                                shortNames: shortNames, categories: categories, subresources: subs)
        info.singular = singular
        return info
    }
}

/// Upstream's `version.CompareKubeAwareVersionStrings`: GA before beta before alpha, higher numbers first,
/// then non-Kubernetes-looking versions alphabetically.
public enum KubeVersionOrder {
    private static func parse(_ v: String) -> (major: Int, stage: Int, minor: Int)? {
        guard v.hasPrefix("v") else { return nil }
        let rest = v.dropFirst()
        let digits = rest.prefix { $0.isNumber }
        guard let major = Int(digits), major > 0 else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (major, 2, 0) }
        for (word, stage) in [("beta", 1), ("alpha", 0)] where tail.hasPrefix(word) {
            let n = tail.dropFirst(word.count)
            guard let minor = Int(n), minor > 0 else { return nil }
            return (major, stage, minor)
        }
        return nil
    }

    /// True when `a` has lower priority than `b`.
    public static func less(_ a: String, _ b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case (nil, nil): return a > b
        case (nil, _): return true
        case (_, nil): return false
        case (let x?, let y?):
            if x.stage != y.stage { return x.stage < y.stage }
            if x.major != y.major { return x.major < y.major }
            return x.minor < y.minor
        }
    }
}
