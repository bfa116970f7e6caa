import APIMachinery

/// Hands out service ClusterIPs from an IPv4 CIDR. The first address goes to the `kubernetes` service and
/// the next ones up to `staticReserved` are kept for addresses chosen on purpose (cluster DNS at .10), as
/// upstream keeps a static band; dynamic allocation starts above it.
actor IPAllocator {
    let base: UInt32
    let size: UInt32
    let staticReserved: UInt32 = 16
    private var used: Set<UInt32> = []
    private var next: UInt32

    init(cidr: String) throws {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let bits = UInt32(parts[1]), bits >= 8, bits <= 30, let ip = Self.parse(String(parts[0])) else {
            throw APIError.badRequest("invalid service CIDR \(cidr)")
        }
        size = UInt32(1) << (32 - bits)
        base = ip & ~(size - 1)
        next = staticReserved
    }

    static func parse(_ s: String) -> UInt32? {
        let o = s.split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4, o.allSatisfy({ $0 < 256 }) else { return nil }
        return o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]
    }

    static func format(_ v: UInt32) -> String {
        "\(v >> 24 & 255).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)"
    }

    nonisolated var cidrDescription: String { "\(Self.format(base))/\(32 - size.trailingZeroBitCount)" }

    /// The n-th address of the range (1 = the `kubernetes` service, 10 = cluster DNS).
    nonisolated func address(at n: UInt32) -> String { Self.format(base + n) }

    func contains(_ ip: String) -> Bool {
        guard let v = Self.parse(ip) else { return false }
        return v > base && v < base + size - 1
    }

    /// Marks a specific address used; false when taken or outside the range.
    func reserve(_ ip: String) -> Bool {
        guard let v = Self.parse(ip), v > base, v < base + size - 1, !used.contains(v) else { return false }
        used.insert(v)
        return true
    }

    func allocate() -> String? {
        let span = size - 2
        for _ in 0..<span {
            let offset = next
            next = next + 1 >= size - 1 ? staticReserved : next + 1
            let v = base + offset
            if !used.contains(v) {
                used.insert(v)
                return Self.format(v)
            }
        }
        // The dynamic band is full: fall back to the static one.
        for offset in 1..<staticReserved where !used.contains(base + offset) {
            used.insert(base + offset)
            return Self.format(base + offset)
        }
        return nil
    }

    func release(_ ip: String) {
        if let v = Self.parse(ip) { used.remove(v) }
    }
}

/// Hands out NodePorts from the node port range.
actor PortAllocator {
    let range: ClosedRange<Int>
    private var used: Set<Int> = []
    private var next: Int

    init(range: ClosedRange<Int>) {
        self.range = range
        next = range.lowerBound
    }

    func reserve(_ port: Int) -> Bool {
        guard range.contains(port), !used.contains(port) else { return false }
        used.insert(port)
        return true
    }

    func allocate() -> Int? {
        for _ in 0..<range.count {
            let p = next
            next = next >= range.upperBound ? range.lowerBound : next + 1
            if !used.contains(p) {
                used.insert(p)
                return p
            }
        }
        return nil
    }

    func release(_ port: Int) { used.remove(port) }
}
