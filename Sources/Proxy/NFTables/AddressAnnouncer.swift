import APIMachinery
import Foundation

/// Where the load-balancer addresses a node serves are made its own, so that the cluster namespace, which
/// reaches the whole pool on-link over the node bridge, finds a node by ARP (MetalLB's layer-2 mode, with
/// kube-proxy deciding which nodes qualify). The seam lets syncs be tested without `ip`.
public protocol AddressAnnouncer: Sendable {
    /// Makes `addresses` exactly the announced set (adding and removing as needed).
    func announce(_ addresses: Set<String>) async throws
}

/// The real one: an interface `skiff-lb` in the node's namespace holding each address as a /32, as
/// kube-proxy's IPVS mode keeps service addresses on `kube-ipvs0` — except that here the node is meant to
/// answer ARP for them (the namespace's default `arp_ignore=0` answers for any local address on `eth0`).
/// The interface is a bridge without ports, not kube-ipvs0's dummy: an address only needs a device that is
/// up to become local, and kernels built without the dummy driver (this project's CI machine among them)
/// all have the bridge driver, which the node network needs anyway.
public struct InterfaceAddressAnnouncer: AddressAnnouncer {
    public var netns: String?
    public static let device = "skiff-lb"

    public init(netns: String?) {
        self.netns = netns
    }

    func ip(_ args: [String]) -> [String] { ["ip"] + (netns.map { ["-n", $0] } ?? []) + args }

    public func announce(_ addresses: Set<String>) async throws {
        let link = try await CommandRunner.run(ip(["-j", "addr", "show", "dev", Self.device]))
        if link.status != 0 {
            if addresses.isEmpty { return }
            try await CommandRunner.check(ip(["link", "add", Self.device, "type", "bridge"]))
        }
        try await CommandRunner.check(ip(["link", "set", Self.device, "up"]))
        let current = link.status == 0 ? Self.addresses(inIPJSON: link.stdout) : []
        let plan = Self.changes(current: current, wanted: addresses)
        for a in plan.remove { try await CommandRunner.check(ip(["addr", "del", "\(a)/32", "dev", Self.device])) }
        for a in plan.add { try await CommandRunner.check(ip(["addr", "add", "\(a)/32", "dev", Self.device])) }
    }

    /// What to add and remove, each in address order.
    public static func changes(current: Set<String>, wanted: Set<String>) -> (add: [String], remove: [String]) {
        (wanted.subtracting(current).sorted(by: IPv4Order.less), current.subtracting(wanted).sorted(by: IPv4Order.less))
    }

    /// The IPv4 addresses in `ip -j addr show` output.
    static func addresses(inIPJSON data: Data) -> Set<String> {
        guard let list = try? JSON.parse(data).array else { return [] }
        var out = Set<String>()
        for link in list {
            for a in link["addr_info"]?.array ?? [] where a["family"]?.string == "inet" {
                if let local = a["local"]?.string { out.insert(local) }
            }
        }
        return out
    }
}
