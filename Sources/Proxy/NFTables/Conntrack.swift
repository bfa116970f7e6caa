/// A UDP service destination and the endpoint it is DNATed to: what stale conntrack entries are keyed by.
public struct UDPFlow: Sendable, Hashable, Comparable {
    public var clusterIP: String
    public var nodePort: Int?
    public var endpointIP: String

    public init(clusterIP: String, nodePort: Int? = nil, endpointIP: String) {
        self.clusterIP = clusterIP
        self.nodePort = nodePort
        self.endpointIP = endpointIP
    }

    public static func < (a: UDPFlow, b: UDPFlow) -> Bool {
        (a.clusterIP, a.nodePort ?? 0, a.endpointIP) < (b.clusterIP, b.nodePort ?? 0, b.endpointIP)
    }

    /// `conntrack -D` filters for the entries left behind when `old` became `new` (upstream's
    /// `CleanStaleEntries`): UDP has no connection end, so a client that keeps its source port keeps being
    /// sent to a removed endpoint until the entry times out. Entries DNATed to an endpoint that is gone are
    /// deleted; so are entries for a service IP that had no endpoint before (rejected then, and possibly
    /// cached as such).
    public static func staleFilters(old: Set<UDPFlow>, new: Set<UDPFlow>) -> [[String]] {
        var out: [[String]] = []
        for f in old.subtracting(new).sorted() {
            out.append(["-p", "udp", "--orig-dst", f.clusterIP, "--dst-nat", f.endpointIP])
            if let np = f.nodePort { out.append(["-p", "udp", "--orig-port-dst", String(np), "--dst-nat", f.endpointIP]) }
        }
        let before = Set(old.map(\.clusterIP))
        for ip in Set(new.map(\.clusterIP)).subtracting(before).sorted() {
            out.append(["-p", "udp", "--orig-dst", ip])
        }
        return out
    }
}

/// Deletes conntrack entries (best effort: a failure only leaves entries to time out).
public protocol ConntrackCleaner: Sendable {
    func delete(_ filters: [[String]]) async
}

/// `conntrack -D …` in the node's namespace.
public struct ConntrackCommand: ConntrackCleaner {
    public var netns: String?

    public init(netns: String?) { self.netns = netns }

    public func delete(_ filters: [[String]]) async {
        for f in filters {
            // Exit status 1 means "0 flow entries have been deleted", the usual case.
            _ = try? await CommandRunner.run((netns.map { ["ip", "netns", "exec", $0] } ?? []) + ["conntrack", "-D"] + f, timeout: .seconds(10))
        }
    }
}
