/// What exists in the kernel's table, as far as a full resync needs to know: the names of the chains and
/// sets, so the stale per-service ones can be deleted.
public struct ExistingObjects: Sendable, Equatable {
    public var chains: Set<String>
    public var sets: Set<String>

    public init(chains: Set<String> = [], sets: Set<String> = []) {
        self.chains = chains
        self.sets = sets
    }
}

/// Turns rulesets into `nft -f` scripts. Each script is one transaction: the kernel applies all of it or
/// none of it, so traffic never sees a half-written table.
public struct NFTScript: Sendable {
    public var layout: TableLayout
    /// Elements per `add element` command (long commands are fine for nft; this only bounds line length).
    public var elementsPerCommand = 500

    public init(layout: TableLayout = TableLayout()) {
        self.layout = layout
    }

    /// Rebuilds the table from scratch in one transaction: fixed objects re-created and flushed, every
    /// desired chain re-created and re-filled, every map element re-added, stale chains and affinity sets
    /// (in `existing` but not desired) deleted. Affinity sets that stay are only re-declared, so clients
    /// keep their endpoint across resyncs.
    public func full(_ desired: Ruleset, existing: ExistingObjects = ExistingObjects()) -> String {
        var out = layout.skeletonCommands()
        let q = layout.qualified
        let staleChains = existing.chains.filter { ChainNames.isServiceOrEndpointChain($0) && desired.chains[$0] == nil }.sorted()
        let staleSets = existing.sets.filter { ChainNames.isAffinitySet($0) && desired.affinitySets[$0] == nil }.sorted()
        // Empty the stale chains first: one may jump to another, and a chain is only deletable unreferenced.
        for c in staleChains { out.append("flush chain \(q) \(c)") }
        for (name, timeout) in desired.affinitySets.sorted(by: { $0.key < $1.key }) {
            out.append(affinitySetCommand(name, timeout))
        }
        let chainNames = desired.chains.keys.sorted()
        for c in chainNames { out.append("add chain \(q) \(c)") }
        for c in chainNames {
            out.append("flush chain \(q) \(c)")
            for rule in desired.chains[c]! { out.append("add rule \(q) \(c) \(rule)") }
        }
        for m in ProxyMap.allCases.sorted() {
            out += addElements(m.rawValue, desired.elements(m).sorted(by: { $0.key < $1.key }))
        }
        out += addSetElements(TableLayout.clusterIPsSet, desired.clusterIPs.sorted(by: IPv4Order.less))
        for c in staleChains { out.append("delete chain \(q) \(c)") }
        for s in staleSets { out.append("delete set \(q) \(s)") }
        return out.joined(separator: "\n") + "\n"
    }

    /// The commands that turn `old` (what was last applied) into `new`, touching only the chains, sets and
    /// elements that differ; "" when nothing does. Order matters inside the transaction: sets and chains
    /// exist before rules and elements name them, and nothing is deleted while something still refers to it.
    public func diff(from old: Ruleset, to new: Ruleset) -> String {
        let q = layout.qualified
        var out: [String] = []
        // 1. Affinity sets that are new or whose timeout changed (re-adding updates the timeout in place).
        for (name, timeout) in new.affinitySets.sorted(by: { $0.key < $1.key }) where old.affinitySets[name] != timeout {
            out.append(affinitySetCommand(name, timeout))
        }
        // 2. New chains, empty, so that rewritten chains can jump to them.
        let added = new.chains.keys.filter { old.chains[$0] == nil }.sorted()
        for c in added { out.append("add chain \(q) \(c)") }
        // 3. New and changed chains get their rules.
        for c in new.chains.keys.sorted() {
            guard let rules = new.chains[c] else { continue }
            if let before = old.chains[c] {
                if before == rules { continue }
                out.append("flush chain \(q) \(c)")
            }
            for rule in rules { out.append("add rule \(q) \(c) \(rule)") }
        }
        // 4. Map elements: removed or changed ones out, then new or changed ones in.
        var adds: [String] = []
        for m in ProxyMap.allCases.sorted() {
            let before = old.elements(m), after = new.elements(m)
            let gone = before.filter { after[$0.key] != $0.value }.keys.sorted()
            out += deleteElements(m.rawValue, gone)
            adds += addElements(m.rawValue, after.filter { before[$0.key] != $0.value }.sorted(by: { $0.key < $1.key }))
        }
        out += deleteElements(TableLayout.clusterIPsSet, old.clusterIPs.subtracting(new.clusterIPs).sorted(by: IPv4Order.less))
        out += adds
        out += addSetElements(TableLayout.clusterIPsSet, new.clusterIPs.subtracting(old.clusterIPs).sorted(by: IPv4Order.less))
        // 5. Removed chains: all emptied, then all deleted (a service chain jumps to its endpoint chains).
        let removed = old.chains.keys.filter { new.chains[$0] == nil }.sorted()
        for c in removed { out.append("flush chain \(q) \(c)") }
        for c in removed { out.append("delete chain \(q) \(c)") }
        // 6. Affinity sets no chain refers to any more.
        for s in old.affinitySets.keys.filter({ new.affinitySets[$0] == nil }).sorted() { out.append("delete set \(q) \(s)") }
        return out.isEmpty ? "" : out.joined(separator: "\n") + "\n"
    }

    func affinitySetCommand(_ name: String, _ timeout: Int) -> String {
        // `dynamic` because rules add to it; declaring it avoids the kernel adding the flag behind our back.
        "add set \(layout.qualified) \(name) { type ipv4_addr; flags dynamic,timeout; timeout \(timeout)s; }"
    }

    func addElements(_ map: String, _ elements: [(key: String, value: MapElement)]) -> [String] {
        chunks(elements).map { chunk in
            let items = chunk.map { e in
                let comment = e.value.comment.map { " comment \"\(Self.quoteSafe($0))\"" } ?? ""
                return "\(e.key)\(comment) : \(e.value.verdict)"
            }
            return "add element \(layout.qualified) \(map) { \(items.joined(separator: ", ")) }"
        }
    }

    func addSetElements(_ set: String, _ keys: [String]) -> [String] {
        chunks(keys).map { "add element \(layout.qualified) \(set) { \($0.joined(separator: ", ")) }" }
    }

    func deleteElements(_ map: String, _ keys: [String]) -> [String] {
        chunks(keys).map { "delete element \(layout.qualified) \(map) { \($0.joined(separator: ", ")) }" }
    }

    func chunks<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: elementsPerCommand).map { items[$0..<min($0 + elementsPerCommand, items.count)] }
    }

    /// Comments are object names (`[a-z0-9.-]`, `/`, `:`); anything else is dropped rather than escaped.
    static func quoteSafe(_ s: String) -> String {
        String(s.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0.value >= 0x20 && $0.value < 0x7f }.map(Character.init))
    }
}

/// Numeric order for dotted quads (so `10.96.0.9` precedes `10.96.0.10` in scripts and tests).
enum IPv4Order {
    static func less(_ a: String, _ b: String) -> Bool {
        Endpoint(ip: a, port: 0) < Endpoint(ip: b, port: 0)
    }
}
