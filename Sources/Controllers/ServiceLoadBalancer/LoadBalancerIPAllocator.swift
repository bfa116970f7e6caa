import APIMachinery

/// Hands out LoadBalancer addresses from one pool (the cluster's `HostLink` pool, which the host routes into
/// the cluster). Pure: what is in use is passed in, so the controller can recompute it from its cache plus
/// what it assigned but has not yet seen come back, and tests can drive it with plain sets.
///
/// The pool's first and last addresses are never handed out (they read as a network and a broadcast
/// address to people and to some tools); a requested address (`spec.loadBalancerIP`, deprecated upstream
/// but still honoured by most implementations) is given when it is inside the pool and free.
public struct LoadBalancerIPAllocator: Sendable, Equatable {
    public let pool: IPv4CIDR

    public init(pool: IPv4CIDR) {
        self.pool = pool
    }

    public init?(pool text: String) {
        guard let p = IPv4CIDR(text), p.prefixLength <= 30 else { return nil }
        self.init(pool: p)
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case exhausted(pool: String)
        case requestedOutsidePool(String, pool: String)
        case requestedInUse(String)

        public var description: String {
            switch self {
            case .exhausted(let pool): return "no address left in the load-balancer pool \(pool)"
            case .requestedOutsidePool(let ip, let pool): return "requested loadBalancerIP \(ip) is not in the pool \(pool)"
            case .requestedInUse(let ip): return "requested loadBalancerIP \(ip) is already used by another Service"
            }
        }
    }

    /// The addresses that can be handed out, lowest first.
    public var usable: ClosedRange<UInt32> { (pool.network + 1)...(pool.last - 1) }

    public func isAllocatable(_ ip: String) -> Bool {
        IPv4CIDR.parseAddress(ip).map(usable.contains) ?? false
    }

    /// `requested` if given (inside the pool and not in `inUse`), else the lowest free address.
    public func allocate(requested: String? = nil, inUse: Set<String>) -> Result<String, Failure> {
        let used = Set(inUse.compactMap(IPv4CIDR.parseAddress))
        if let requested, !requested.isEmpty {
            guard let v = IPv4CIDR.parseAddress(requested), usable.contains(v) else {
                return .failure(.requestedOutsidePool(requested, pool: pool.description))
            }
            return used.contains(v) ? .failure(.requestedInUse(requested)) : .success(requested)
        }
        for v in usable where !used.contains(v) { return .success(IPv4CIDR.format(v)) }
        return .failure(.exhausted(pool: pool.description))
    }
}
