import APIMachinery

/// Endpoints: `SetDefaults_Endpoints` (port protocol TCP) and `ValidateEndpoints` (each subset has
/// addresses, addresses are non-special IPs, ports named when several).
public struct EndpointsStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.editEach("subsets") { ss in ss.editEach("ports") { $0.defaultIfZero("protocol", "TCP") } }
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, ss) in (object["subsets"]?.array ?? []).enumerated() {
            let p = FieldPath("subsets").index(i)
            let addresses = ss["addresses"]?.array ?? [], notReady = ss["notReadyAddresses"]?.array ?? []
            if addresses.isEmpty && notReady.isEmpty {
                errs.append(.required(p, "must specify `addresses` or `notReadyAddresses`"))
            }
            for (j, a) in addresses.enumerated() { errs += validateAddress(a, p.child("addresses").index(j)) }
            for (j, a) in notReady.enumerated() { errs += validateAddress(a, p.child("notReadyAddresses").index(j)) }
            let ports = ss["ports"]?.array ?? []
            for (j, port) in ports.enumerated() {
                let pp = p.child("ports").index(j)
                let name = port["name"]?.string ?? ""
                if ports.count > 1 && name.isEmpty { errs.append(.required(pp.child("name"))) } else if !name.isEmpty {
                    errs += validateDNS1123Label(name, pp.child("name"))
                }
                let number = port["port"]?.int ?? 0
                errs += isValidPortNum(number).map { .invalid(pp.child("port"), int: number, $0) }
                let proto = port["protocol"]?.string ?? ""
                if proto.isEmpty { errs.append(.required(pp.child("protocol"))) } else if !["SCTP", "TCP", "UDP"].contains(proto) {
                    errs.append(.notSupported(pp.child("protocol"), proto, ["SCTP", "TCP", "UDP"]))
                }
                if let ap = port["appProtocol"]?.string { errs += validateQualifiedName(ap, pp.child("appProtocol")) }
            }
        }
        return errs
    }

    private func validateAddress(_ a: JSON, _ path: FieldPath) -> [FieldError] {
        let ip = a["ip"]?.string ?? ""
        var errs = validateIP(ip, path.child("ip"))
        if let h = a["hostname"]?.string, !h.isEmpty { errs += validateDNS1123Label(h, path.child("hostname")) }
        if let n = a["nodeName"]?.string { errs += isDNS1123Subdomain(n).map { .invalid(path.child("nodeName"), n, $0) } }
        errs += validateNonSpecialIP(ip, path.child("ip"))
        return errs
    }
}
