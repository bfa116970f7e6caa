import Foundation

/// What the kubelet measured of its node and pods at one scrape: the data behind `/stats/summary` and
/// `/metrics/resource`.
public struct NodeStatsSnapshot: Sendable, Equatable {
    public struct Container: Sendable, Equatable {
        public var name: String
        public var startTime: Date
        public var usage: UsagePoint
    }

    public struct Pod: Sendable, Equatable {
        public var namespace: String
        public var name: String
        public var uid: String
        public var startTime: Date?
        public var containers: [Container]
        public var usage: UsagePoint
    }

    public var nodeName: String
    public var nodeStartTime: Date
    public var node: UsagePoint
    /// The node's memory capacity (for `availableBytes`), when known.
    public var memoryCapacityBytes: UInt64?
    public var pods: [Pod]
    /// Whether measuring the containers failed (`scrape_error 1`): the figures then hold only the node.
    public var scrapeError: Bool
}
