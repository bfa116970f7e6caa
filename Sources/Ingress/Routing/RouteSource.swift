import Synchronization

/// The routing table in force: the controller swaps a new one in whole; every request reads the current one.
public final class RouteSource: Sendable {
    private let table: Mutex<RoutingTable>

    public init(_ initial: RoutingTable = .empty) {
        table = Mutex(initial)
    }

    public var current: RoutingTable { table.withLock { $0 } }

    public func replace(_ next: RoutingTable) { table.withLock { $0 = next } }
}
