import APIMachinery

/// An IP address parsed as upstream's `netutils.ParseIPSloppy` parses it (IPv4 octets may carry
/// leading zeros; IPv4-mapped IPv6 addresses count as IPv4, as Go's `net.IP.To4` treats them).
struct IPAddress: Sendable, Equatable {
    /// 16 bytes, IPv4 stored IPv4-mapped (`::ffff:a.b.c.d`) like Go's `net.IP`.
    let bytes: [UInt8]

    var isIPv4: Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF }
    var isIPv6: Bool { !isIPv4 }

    init?(_ s: String) {
        if let v4 = Self.parseV4(Substring(s)) {
            bytes = Array(repeating: 0, count: 10) + [0xFF, 0xFF] + v4
        } else if s.contains(":"), let v6 = Self.parseV6(s) {
            bytes = v6
        } else {
            return nil
        }
    }

    var isUnspecified: Bool { isIPv4 ? bytes[12...].allSatisfy { $0 == 0 } : bytes.allSatisfy { $0 == 0 } }
    var isLoopback: Bool { isIPv4 ? bytes[12] == 127 : bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1 }
    var isLinkLocalUnicast: Bool {
        isIPv4 ? bytes[12] == 169 && bytes[13] == 254 : bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
    }
    var isLinkLocalMulticast: Bool {
        isIPv4 ? bytes[12] == 224 && bytes[13] == 0 && bytes[14] == 0 : bytes[0] == 0xFF && bytes[1] & 0x0F == 0x02
    }

    private static func parseV4(_ s: Substring) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            var n = 0
            for c in p.utf8 {
                n = n * 10 + Int(c - 0x30)
                if n > 255 { return nil }
            }
            out.append(UInt8(n))
        }
        return out
    }

    private static func parseV6(_ s: String) -> [UInt8]? {
        var groups: [UInt16] = []
        var tailV4: [UInt8]? = nil
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func parseGroups(_ part: String, allowV4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if allowV4 && i == fields.count - 1 && f.contains(".") {
                    guard let v4 = parseV4(f) else { return nil }
                    tailV4 = v4
                    continue
                }
                guard (1...4).contains(f.count), let v = UInt16(f, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = parseGroups(halves[0], allowV4: halves.count == 1) else { return nil }
        var tail: [UInt16] = []
        if halves.count == 2 {
            guard let t = parseGroups(halves[1], allowV4: true) else { return nil }
            tail = t
        }
        let v4Groups = tailV4 == nil ? 0 : 2
        let total = head.count + tail.count + v4Groups
        if halves.count == 1 {
            guard total == 8 else { return nil }
            groups = head
        } else {
            guard total < 8 else { return nil }
            groups = head + Array(repeating: 0, count: 8 - total) + tail
        }
        var out: [UInt8] = []
        for g in groups { out += [UInt8(g >> 8), UInt8(g & 0xFF)] }
        if let v4 = tailV4 { out += v4 }
        return out.count == 16 ? out : nil
    }
}

/// `IsValidIP` (v1.32 wording).
func validateIP(_ value: String, _ path: FieldPath) -> [FieldError] {
    IPAddress(value) == nil ? [.invalid(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")] : []
}

/// `ValidateNonSpecialIP`: no unspecified, loopback or link-local addresses in endpoints and external IPs.
func validateNonSpecialIP(_ value: String, _ path: FieldPath) -> [FieldError] {
    guard let ip = IPAddress(value) else { return [.invalid(path, value, "must be a valid IP address")] }
    var errs: [FieldError] = []
    if ip.isUnspecified { errs.append(.invalid(path, value, "may not be unspecified (\(value))")) }
    if ip.isLoopback { errs.append(.invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)")) }
    if ip.isLinkLocalUnicast { errs.append(.invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")) }
    if ip.isLinkLocalMulticast { errs.append(.invalid(path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")) }
    return errs
}

/// `IsValidCIDR`.
func validateCIDR(_ value: String, _ path: FieldPath) -> [FieldError] {
    let parts = value.split(separator: "/", omittingEmptySubsequences: false)
    let bad = [FieldError.invalid(path, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")]
    guard parts.count == 2, let ip = IPAddress(String(parts[0])), let bits = Int(parts[1]) else { return bad }
    return (0...(ip.isIPv4 ? 32 : 128)).contains(bits) ? [] : bad
}

/// `netutils.IsDualStackIPStrings`: valid addresses covering both families.
func isDualStack(_ ips: [String]) -> Bool {
    let parsed = ips.compactMap(IPAddress.init)
    guard parsed.count == ips.count else { return false }
    return parsed.contains(where: \.isIPv4) && parsed.contains(where: \.isIPv6)
}
