import APIMachinery
import Foundation

/// `kubectl get endpoints`: NAME ENDPOINTS AGE. ENDPOINTS lists up to three `ip:port` pairs then
/// "+ N more...", or "<none>" without subsets, as upstream's `formatEndpoints`.
public struct EndpointsPrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Endpoints", description: "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
        ColumnDescriptions.ageColumn,
    ]

    public func cells(for ep: JSON, now: Date) -> [JSON] {
        [.string(ep.name), .string(Self.formatEndpoints(ep)), .string(translateTimestampSince(ep.creationTimestamp, now: now))]
    }

    static func formatEndpoints(_ ep: JSON) -> String {
        let subsets = ep.list("subsets")
        if subsets.isEmpty { return "<none>" }
        var list: [String] = []
        let max = 3
        var more = false
        var count = 0
        for ss in subsets {
            let addresses = ss.list("addresses")
            let ports = ss.list("ports")
            if ports.isEmpty {
                // Headless services may have no ports.
                count += addresses.count
                for a in addresses {
                    if list.count == max { more = true; break }
                    list.append(a.str("ip"))
                }
                continue
            }
            for port in ports {
                count += addresses.count
                for a in addresses {
                    if list.count == max { more = true; break }
                    list.append(joinHostPort(a.str("ip"), port.int("port")))
                }
            }
        }
        let joined = list.joined(separator: ",")
        return more ? "\(joined) + \(count - max) more..." : joined
    }

    /// Go's `net.JoinHostPort`: IPv6 hosts are bracketed.
    static func joinHostPort(_ host: String, _ port: Int64) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
