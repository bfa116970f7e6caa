/// How the cluster resolver answers (the settings of CoreDNS's kubernetes plugin that Skiff uses).
public struct ResolverConfig: Sendable {
    /// How `a-b-c-d.<ns>.pod.<zone>` names are answered (CoreDNS's `pods` option).
    public enum PodMode: String, Sendable, CaseIterable {
        /// Always NXDOMAIN.
        case disabled
        /// The address in the name, without checking a pod has it (kubeadm's and kind's Corefile).
        case insecure
        /// Only when a pod in that namespace has the address.
        case verified
    }

    /// What a name outside the cluster zone gets when there is no upstream to ask.
    public enum OutOfZone: String, Sendable, CaseIterable {
        /// SERVFAIL: "could not resolve", what CoreDNS's forwarder answers with no healthy upstream.
        case servfail
        /// REFUSED: "will not resolve".
        case refused
        /// NXDOMAIN: "no such name" — true of every outside name on a machine with no network, and what
        /// lets a stub resolver go on down its search list (busybox's `nslookup kubernetes.default` asks the
        /// bare name first and stops at a SERVFAIL).
        case nxdomain
    }

    /// The cluster domain, `cluster.local` by default.
    public var zone: DNSName
    /// TTL of every answer; CoreDNS's default (and minimum) is 5 s.
    public var ttl: UInt32 = 5
    public var podMode: PodMode = .insecure
    public var outOfZone: OutOfZone = .servfail
    /// The server's own addresses: the answer to `ns.dns.<zone>` and the NS glue.
    public var nameserverAddresses: [IPAddress] = []
    /// The UDP payload size this server advertises and caps EDNS answers at (the DNS flag day 2020 value).
    public var maxUDPPayload: Int = 1232

    public init(zone: DNSName) { self.zone = zone }

    /// `cluster.local` with the defaults.
    public static var standard: ResolverConfig { ResolverConfig(zone: try! DNSName("cluster.local")) }
}
