import APIMachinery
import Foundation

/// Where scripts go: the seam between computing rules and the kernel, so syncs can be tested against a
/// recorder and benchmarked against the real `nft`.
public protocol NFTablesExecutor: Sendable {
    /// Applies `script` as one transaction; throws (and changes nothing) if any command in it fails.
    func apply(_ script: String) async throws
    /// The chains and sets of `table` now in the kernel (none when the table does not exist).
    func existingObjects(layout: TableLayout) async throws -> ExistingObjects
}

/// The real `nft`, in the current network namespace or, with `netns`, in a named one (`ip netns exec
/// NAME nft …`): the proxy runs in the root namespace, next to the API server, and programs the node's.
public struct NFTCommand: NFTablesExecutor {
    public var netns: String?
    public var timeout: Duration

    public init(netns: String? = nil, timeout: Duration = .seconds(60)) {
        self.netns = netns
        self.timeout = timeout
    }

    /// `nft ARGS`, prefixed to run in `netns`.
    public func argv(_ args: [String]) -> [String] {
        (netns.map { ["ip", "netns", "exec", $0] } ?? []) + ["nft"] + args
    }

    public func apply(_ script: String) async throws {
        try await CommandRunner.check(argv(["-f", "-"]), input: Data(script.utf8), timeout: timeout)
    }

    public func existingObjects(layout: TableLayout) async throws -> ExistingObjects {
        // Chain and set names only (`-t` leaves out set contents): the rules could be megabytes.
        let chains = try await CommandRunner.check(argv(["-j", "list", "chains", layout.family]), timeout: timeout)
        let sets = try await CommandRunner.check(argv(["-j", "-t", "list", "sets", layout.family]), timeout: timeout)
        return ExistingObjects(
            chains: try Self.names(of: "chain", in: chains.stdout, table: layout.table),
            sets: try Self.names(of: "set", in: sets.stdout, table: layout.table))
    }

    /// Lists the whole table as nft's JSON (for tests and debugging); nil when it does not exist.
    public func listTable(layout: TableLayout) async throws -> JSON? {
        let r = try await CommandRunner.run(argv(["-j", "list", "table", layout.family, layout.table]), timeout: timeout)
        guard r.status == 0 else { return nil }
        return try JSON.parse(r.stdout)
    }

    /// The `name`s of the `kind` objects of `table` in `nft -j` output.
    static func names(of kind: String, in json: Data, table: String) throws -> Set<String> {
        guard !json.isEmpty else { return [] }
        var out = Set<String>()
        for item in try JSON.parse(json)["nftables"]?.array ?? [] {
            guard let o = item[kind], o["table"]?.string == table, let n = o["name"]?.string else { continue }
            out.insert(n)
        }
        return out
    }
}
