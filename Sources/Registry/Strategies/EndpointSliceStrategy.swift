import APIMachinery

/// EndpointSlices (discovery.k8s.io/v1): `SetDefaults_EndpointPort` (name "", protocol TCP),
/// upstream's v1 encoding of the list fields without omitempty (`endpoints: null`, `ports: null`),
/// generation 1 on create and +1 when anything but metadata (or the labels) changes, and
/// `ValidateEndpointSlice` (addressType supported and immutable, addresses by type, ports).
public struct EndpointSliceStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    static let addressTypes = ["FQDN", "IPv4", "IPv6"]

    public func applyDefaults(_ object: inout JSON) {
        object.editEach("ports") { p in
            p.defaultIfNil("name", "")
            p.defaultIfNil("protocol", "TCP")
        }
        if object["endpoints"] == nil { object["endpoints"] = .null }
        if object["ports"] == nil { object["ports"] = .null }
        object.editEach("endpoints") { e in
            e.defaultIfNil("conditions", [:])
            if e["addresses"] == nil { e["addresses"] = .null }
        }
    }

    public func prepareForCreate(_ object: inout JSON) {
        object[path: ["metadata", "generation"]] = 1
    }

    public func prepareForUpdate(_ object: inout JSON, old: JSON) {
        var a = object, b = old
        a["metadata"] = nil
        b["metadata"] = nil
        let gen = old["metadata"]?["generation"]?.int ?? 0
        let changed = !Semantic.equal(a, b) || !Semantic.equal(object["metadata"]?["labels"], old["metadata"]?["labels"])
        object[path: ["metadata", "generation"]] = .int(changed ? gen + 1 : gen)
    }

    public func validate(_ object: JSON) -> [FieldError] { validate(object, addressTypes: Self.addressTypes) }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object, addressTypes: Self.addressTypes + ["IP"])
        let n = object["addressType"]?.string ?? "", o = old["addressType"]?.string ?? ""
        if n != o { errs.append(.invalid(FieldPath("addressType"), n, Msg.immutable)) }
        return errs
    }

    private func validate(_ object: JSON, addressTypes: [String]) -> [FieldError] {
        var errs: [FieldError] = []
        let addressType = object["addressType"]?.string ?? ""
        if addressType.isEmpty {
            errs.append(.required(FieldPath("addressType")))
        } else if !addressTypes.contains(addressType) {
            errs.append(.notSupported(FieldPath("addressType"), addressType, addressTypes.sorted()))
        }
        let endpoints = object["endpoints"]?.array ?? []
        if endpoints.count > 1000 {
            errs.append(.tooMany(FieldPath("endpoints"), actual: endpoints.count, max: 1000))
        } else {
            for (i, e) in endpoints.enumerated() { errs += validateEndpoint(e, addressType, FieldPath("endpoints").index(i)) }
        }
        let ports = object["ports"]?.array ?? []
        if ports.count > 100 {
            errs.append(.tooMany(FieldPath("ports"), actual: ports.count, max: 100))
            return errs
        }
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = FieldPath("ports").index(i)
            let name = port["name"]?.string ?? ""
            if !name.isEmpty { errs += validateDNS1123Label(name, p.child("name")) }
            if names.contains(name) { errs.append(.duplicate(p.child("name"), name)) } else { names.insert(name) }
            if let proto = port["protocol"]?.string {
                if !["SCTP", "TCP", "UDP"].contains(proto) { errs.append(.notSupported(p.child("protocol"), proto, ["SCTP", "TCP", "UDP"])) }
            } else {
                errs.append(.required(p.child("protocol")))
            }
            if let ap = port["appProtocol"]?.string { errs += isQualifiedName(ap).map { .invalid(p.child("appProtocol"), ap, $0) } }
        }
        return errs
    }

    private func validateEndpoint(_ e: JSON, _ addressType: String, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let addrPath = path.child("addresses")
        let addresses = stringList(e["addresses"])
        if addresses.isEmpty {
            errs.append(.required(addrPath, "must contain at least 1 address"))
        } else if addresses.count > 100 {
            errs.append(.tooMany(addrPath, actual: addresses.count, max: 100))
        }
        for (i, a) in addresses.enumerated() {
            let p = addrPath.index(i)
            switch addressType {
            case "IPv4", "IPv6":
                let ip = IPAddress(a)
                if ip == nil || (addressType == "IPv4") != ip!.isIPv4 {
                    errs.append(.invalid(p, a, "must be a valid \(addressType) address"))
                } else {
                    errs += validateNonSpecialIP(a, p)
                }
            case "FQDN":
                var name = a
                if name.hasSuffix(".") { name.removeLast() }
                if name.isEmpty {
                    errs.append(.required(p))
                } else if let msg = isDNS1123Subdomain(name).first {
                    errs.append(.invalid(p, name, msg))
                } else if name.split(separator: ".").count < 2 {
                    errs.append(.invalid(p, name, "should be a domain with at least two segments separated by dots"))
                }
            case "IP":
                errs += validateIP(a, p)
            default: break
            }
        }
        if let node = e["nodeName"]?.string { errs += isDNS1123Subdomain(node).map { .invalid(path.child("nodeName"), node, $0) } }
        let topo = e["deprecatedTopology"]?.object ?? [:]
        if topo.count > 16 { errs.append(.tooMany(path.child("deprecatedTopology"), actual: topo.count, max: 16)) }
        errs += validateLabels(e["deprecatedTopology"], path.child("deprecatedTopology"))
        if let h = e["hostname"]?.string { errs += validateDNS1123Label(h, path.child("hostname")) }
        return errs
    }
}
