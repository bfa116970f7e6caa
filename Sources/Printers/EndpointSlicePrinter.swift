import APIMachinery
import Foundation

/// `kubectl get endpointslices`: NAME ADDRESSTYPE PORTS ENDPOINTS AGE (lists of three, then
/// "+ N more...", "<unset>" when empty).
public struct EndpointSlicePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "AddressType", description: "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."),
        TableColumn(name: "Ports", description: "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."),
        TableColumn(name: "Endpoints", description: "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for slice: JSON, now: Date) -> [JSON] {
        [.string(slice.name), .string(slice.str("addressType")), .string(Self.formatPorts(slice.list("ports"))),
         .string(Self.formatEndpoints(slice.list("endpoints"))), .string(translateTimestampSince(slice.creationTimestamp, now: now))]
    }

    static func formatPorts(_ ports: [JSON]) -> String {
        var list: [String] = []
        let max = 3
        var more = false
        for port in ports {
            if list.count < max {
                if let p = port["port"]?.int {
                    list.append(String(p))
                } else if let name = port["name"]?.string {
                    list.append(name)
                } else {
                    list.append("*")
                }
            } else if list.count == max {
                more = true
            }
        }
        return listWithMoreString(list, more: more, count: ports.count, max: max)
    }

    static func formatEndpoints(_ endpoints: [JSON]) -> String {
        var list: [String] = []
        let max = 3
        var more = false
        var count = 0
        for endpoint in endpoints {
            for address in endpoint.list("addresses") {
                if list.count < max {
                    list.append(address.string ?? "")
                } else if list.count == max {
                    more = true
                }
                count += 1
            }
        }
        return listWithMoreString(list, more: more, count: count, max: max)
    }
}
