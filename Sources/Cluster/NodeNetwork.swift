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
        waitForDyingHostDevice()
        do {
            for cmd in plan.commands { try HostCommand(cmd).run() }
        } catch {
            try? removeNamespaces()
            throw error
        }
    }

    /// The host's end of the link outlives its namespace by as long as the kernel takes to tear that down
    /// (its own work queue; seconds on a busy machine): after someone else deleted the namespaces — a
    /// reboot's worth of `ip netns del` — the device can still be there when the cluster starts again.
    /// Waits up to 10 s for it to go; one that stays is not dying but someone else's, and the set-up fails
    /// on it ("File exists") as it would have.
    func waitForDyingHostDevice() {
        guard let device = plan.hostLink?.hostDevice else { return }
        let deadline = ContinuousClock.now + .seconds(10)
        while FileManager.default.fileExists(atPath: "/sys/class/net/\(device)"), ContinuousClock.now < deadline {
            usleep(50_000)
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
