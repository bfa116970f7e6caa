/// Names of the per-service-port and per-endpoint objects in the table, built like upstream's: a readable
/// `namespace/name/protocol/port` (plus `__ip/port` for an endpoint) behind a short hash of itself.
///
/// The slash marks them as ours to garbage-collect: no fixed chain of the table has one, and nft accepts
/// `[A-Za-z0-9_./-]` in a name that starts with a letter. The hash keeps names that differ in one digit
/// visually apart and stays unique when a very long name has to be cut (nft's limit is 255 bytes).
public enum ChainNames {
    public static let servicePrefix = "service-"
    public static let endpointPrefix = "endpoint-"
    public static let externalPrefix = "external-"
    public static let affinityPrefix = "affinity-"
    public static let firewallPrefix = "firewall-"
    public static let localPrefix = "local-"
    /// Longest base (hash and readable part) kept, leaving room for the longest prefix.
    static let maxBaseLength = 240

    public static func serviceChain(_ sp: ServicePortInfo) -> String {
        servicePrefix + hashed(serviceBase(sp))
    }

    /// NodePort traffic's way into a service port: marked for masquerade first (upstream's `external-`
    /// chains with `externalTrafficPolicy: Cluster`).
    public static func externalChain(_ sp: ServicePortInfo) -> String {
        externalPrefix + hashed(serviceBase(sp))
    }

    /// `loadBalancerSourceRanges`' check (upstream's `firewall-` chains).
    public static func firewallChain(_ sp: ServicePortInfo) -> String {
        firewallPrefix + hashed(serviceBase(sp))
    }

    /// This node's endpoints only, for external traffic under `externalTrafficPolicy: Local` (upstream's
    /// `local-` chains).
    public static func localChain(_ sp: ServicePortInfo) -> String {
        localPrefix + hashed(serviceBase(sp))
    }

    public static func endpointChain(_ sp: ServicePortInfo, _ ep: Endpoint) -> String {
        endpointPrefix + hashed(endpointBase(sp, ep))
    }

    public static func affinitySet(_ sp: ServicePortInfo, _ ep: Endpoint) -> String {
        affinityPrefix + hashed(endpointBase(sp, ep))
    }

    /// True for the chains the proxy creates per service port or endpoint (and so may delete when stale).
    public static func isServiceOrEndpointChain(_ name: String) -> Bool {
        [servicePrefix, endpointPrefix, externalPrefix, firewallPrefix, localPrefix].contains { name.hasPrefix($0) } && name.contains("/")
    }

    public static func isAffinitySet(_ name: String) -> Bool {
        name.hasPrefix(affinityPrefix) && name.contains("/")
    }

    static func serviceBase(_ sp: ServicePortInfo) -> String {
        "\(sp.namespace)/\(sp.name)/\(sp.proto.rawValue)/\(sp.portName)"
    }

    static func endpointBase(_ sp: ServicePortInfo, _ ep: Endpoint) -> String {
        serviceBase(sp) + "__\(ep.ip)/\(ep.port)"
    }

    static func hashed(_ base: String) -> String {
        let name = hash8(base) + "-" + base
        guard name.utf8.count > maxBaseLength else { return name }
        return String(decoding: name.utf8.prefix(maxBaseLength - 3), as: UTF8.self) + "..."
    }

    /// Eight base32 characters (40 bits) of the string's 64-bit FNV-1a hash: stable across runs and
    /// processes, which Swift's `Hasher` is not.
    static func hash8(_ s: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        for i in 0..<8 { out.append(alphabet[Int((h >> UInt64(59 - 5 * i)) & 31)]) }
        return out
    }
}
