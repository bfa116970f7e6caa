import Foundation

/// How a cluster's pod range is cut into one /24 per node (what upstream's node IPAM controller does with
/// `--cluster-cidr` and `--node-cidr-mask-size 24`): node `i` gets the `i`-th /24 of the range.
///
/// Clusters of up to 256 nodes get kind's `10.244.0.0/16`. Larger ones (simulated nodes at kwok's scale)
/// get `10.128.0.0/9`, which holds 32,768 nodes and stays clear of the Service range `10.96.0.0/16`; more
/// than that is refused before anything is made.
public struct PodCIDRPlan: Sendable, Equatable {
    public let clusterCIDR: String
    /// The cluster range's first address, as a 32-bit number.
    let base: UInt32
    /// How many /24s the range holds.
    public let capacity: Int

    public static let standard = PodCIDRPlan(clusterCIDR: "10.244.0.0/16")!
    public static let large = PodCIDRPlan(clusterCIDR: "10.128.0.0/9")!

    /// nil unless `clusterCIDR` is an IPv4 range of prefix length 8 to 24 with no host bits set.
    public init?(clusterCIDR: String) {
        let parts = clusterCIDR.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (8...24).contains(prefix) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 <= 255 }) else { return nil }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        guard address & ~(UInt32.max << (32 - prefix)) == 0 else { return nil }
        self.clusterCIDR = clusterCIDR
        base = address
        capacity = 1 << (24 - prefix)
    }

    /// The smallest plan that holds `nodes` nodes, nil when none does.
    public static func forNodes(_ nodes: Int) -> PodCIDRPlan? {
        [standard, large].first { nodes <= $0.capacity }
    }

    /// The /24 of node `index`, nil past the range's end.
    public func nodeCIDR(index: Int) -> String? {
        guard index >= 0, index < capacity else { return nil }
        let a = base + UInt32(index) << 8
        return "\(a >> 24).\(a >> 16 & 255).\(a >> 8 & 255).0/24"
    }
}
