/// Header names compared as HTTP compares them (ASCII, case-insensitive) without making a lowercased copy:
/// the proxy looks at every header of every request and response, and a `lowercased()` String per header
/// plus a `Set<String>` lookup (a SipHash of it) was a measurable share of the controller's CPU.
enum HeaderName {
    /// True when `name` equals `lower`, which must be lowercase ASCII, ignoring the case of ASCII letters.
    @inline(__always)
    static func equals<S: StringProtocol>(_ name: S, _ lower: StaticString) -> Bool {
        name.utf8.count == lower.utf8CodeUnitCount && hasPrefix(name, lower)
    }

    /// True when `name` starts with `lower` (lowercase ASCII), ignoring the case of ASCII letters.
    static func hasPrefix<S: StringProtocol>(_ name: S, _ lower: StaticString) -> Bool {
        let count = lower.utf8CodeUnitCount
        guard name.utf8.count >= count else { return false }
        return lower.withUTF8Buffer { expected in
            var i = 0
            for byte in name.utf8 {
                guard i < count else { return true }
                // Only A-Z fold: any other byte must match exactly.
                let folded = byte &- 0x41 < 26 ? byte | 0x20 : byte
                guard folded == expected[i] else { return false }
                i += 1
            }
            return i == count
        }
    }

    /// Calls `body` with each comma-separated token of a list-valued header (RFC 9110 §5.6.1), trimmed of
    /// spaces and tabs, empty ones skipped; no array of substrings is made.
    static func forEachToken(_ value: String, _ body: (Substring) -> Void) {
        var rest = Substring(value)
        while !rest.isEmpty {
            let end = rest.firstIndex(of: ",") ?? rest.endIndex
            var token = rest[rest.startIndex..<end]
            while let f = token.first, f == " " || f == "\t" { token = token.dropFirst() }
            while let l = token.last, l == " " || l == "\t" { token = token.dropLast() }
            if !token.isEmpty { body(token) }
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
    }
}
