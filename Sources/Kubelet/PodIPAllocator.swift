import Foundation
import Synchronization

/// Hands out pod IPs from the node's pod CIDR (a /24 or larger): the first address is the node's bridge
/// gateway, the rest go to pods. Rebuilt at start from the pods the node already runs, so a restarted
/// kubelet never gives a live pod's address to another.
public final class PodIPAllocator: Sendable {
    private let base: UInt32
    private let size: UInt32
    private let state = Mutex<(used: [UInt32: String], next: UInt32)>(([:], 2))

    public init?(cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let bits = UInt32(parts[1]), bits >= 8, bits <= 30 else { return nil }
        let o = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4 else { return nil }
        size = UInt32(1) << (32 - bits)
        base = (o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]) & ~(size - 1)
    }

    static func format(_ v: UInt32) -> String { "\(v >> 24 & 255).\(v >> 16 & 255).\(v >> 8 & 255).\(v & 255)" }

    /// The gateway address (the node's side of the pod network).
    public var gateway: String { Self.format(base + 1) }

    /// The address already held by `owner` (a pod uid), or a free one.
    public func allocate(for owner: String) -> String? {
        state.withLock { s in
            if let held = s.used.first(where: { $0.value == owner }) { return Self.format(held.key) }
            for _ in 0..<(size - 3) {
                let offset = s.next
                s.next = s.next + 1 >= size - 1 ? 2 : s.next + 1
                if s.used[base + offset] == nil {
                    s.used[base + offset] = owner
                    return Self.format(base + offset)
                }
            }
            return nil
        }
    }

    /// Records an address a pod already has (at start-up).
    public func reserve(_ ip: String, for owner: String) {
        let o = ip.split(separator: ".").compactMap { UInt32($0) }
        guard o.count == 4 else { return }
        let v = o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]
        guard v > base + 1, v < base + size - 1 else { return }
        state.withLock { $0.used[v] = owner }
    }

    public func release(owner: String) {
        state.withLock { s in
            for (k, v) in s.used where v == owner { s.used[k] = nil }
        }
    }
}
