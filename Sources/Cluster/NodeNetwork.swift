import Foundation

/// Builds and removes a cluster's node network (see `NodeNetworkPlan`) with iproute2. Setting up is
/// all-or-nothing: a failure half-way removes every namespace the plan names before the error surfaces.
public struct NodeNetwork: Sendable {
    public let plan: NodeNetworkPlan

    public init(plan: NodeNetworkPlan) {
        self.plan = plan
    }

    public static func exists(_ netns: String) -> Bool {
        FileManager.default.fileExists(atPath: "/run/netns/\(netns)")
    }

    static func hostDeviceExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// Creates the namespaces, bridge, veths, addresses and routes. Namespaces of the same names left by a
    /// cluster that is gone (a crash, a kill -9) are removed first, so creating again just works.
    public func setUp() throws {
        try removeNamespaces()
        do {
            for cmd in plan.commands { try HostCommand(cmd).run() }
        } catch {
            try? removeNamespaces()
            throw error
        }
    }

    /// Deletes the node namespaces, then the cluster namespace (which takes the bridge and the veth ends
    /// with it). Deleting a namespace also drops every nftables table and route inside it.
    public func removeNamespaces() throws {
        var failures: [String] = []
        // The host end of the link goes with the cluster namespace; removing it first is only tidier.
        if let link = plan.hostLink, Self.hostDeviceExists(link.hostDevice) {
            do { try HostCommand(link.tearDownCommand).run() } catch { failures.append("\(error)") }
        }
        for ns in plan.namespaces.reversed() where Self.exists(ns) {
            do { try HostCommand("ip", "netns", "del", ns).run() } catch { failures.append("\(error)") }
        }
        if !failures.isEmpty { throw ClusterError(failures.joined(separator: "; ")) }
    }
}
