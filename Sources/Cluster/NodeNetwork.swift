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
    /// with it — including the host's end of the `HostLink` pair, and so its address and route). Deleting a
    /// namespace also drops every nftables table and route inside it. The host device is never deleted by
    /// name: after a reboot another cluster may hold that index (clusters under another SKIFF_HOME are not
    /// visible here), and its device is not ours.
    public func removeNamespaces() throws {
        var failures: [String] = []
        // The kernel tears a deleted namespace down later, on its own work queue, and the host's end of the
        // pair goes with it only then (seconds later on a busy machine). Deleting the cluster's end inside
        // our own namespace first removes both ends at once, so that the host is clean when this returns.
        if plan.hostLink != nil, Self.exists(plan.clusterNetns) {
            try? HostCommand("ip", "-n", plan.clusterNetns, "link", "del", HostLink.clusterDevice).run()
        }
        for ns in plan.namespaces.reversed() where Self.exists(ns) {
            do { try HostCommand("ip", "netns", "del", ns).run() } catch { failures.append("\(error)") }
        }
        if !failures.isEmpty { throw ClusterError(failures.joined(separator: "; ")) }
    }
}
