/// A Service port's transport protocol, spelled as nftables spells it (`meta l4proto tcp`, `. tcp .`).
public enum L4Protocol: String, Sendable, Hashable, Comparable, CaseIterable {
    case tcp, udp, sctp

    /// Parses the API's `TCP`/`UDP`/`SCTP` (absent means TCP, as the API defaults it).
    public init?(apiValue: String?) {
        switch apiValue ?? "TCP" {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    public static func < (a: L4Protocol, b: L4Protocol) -> Bool { a.rawValue < b.rawValue }
}
