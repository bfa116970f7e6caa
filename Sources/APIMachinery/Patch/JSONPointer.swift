/// An RFC 6901 JSON Pointer: `/spec/containers/0/image`, with `~1` for `/` and `~0` for `~` inside a token.
///
/// JSON Patch addresses every location with one; keys such as `kubernetes.io/hostname` must be written
/// `kubernetes.io~1hostname`.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens; empty for the whole document (`""`).
    public let tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// Parses pointer text. Nil when it is neither empty nor starts with `/`.
    public init?(_ text: String) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        tokens = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
            Self.unescape(String($0))
        }
    }

    /// `~1` → `/` first, then `~0` → `~`, so `~01` decodes to `~1` as RFC 6901 §4 requires.
    public static func unescape(_ token: String) -> String {
        token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    public var description: String { tokens.map { "/" + Self.escape($0) }.joined() }

    /// The value the pointer designates, or nil when any step is missing.
    public func value(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = Self.arrayIndex(token, count: a.count, allowEnd: false) else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// An array index token as evanphx/json-patch reads it: a base-10 integer (Go's `strconv.Atoi`, so a sign
    /// is accepted), negative values counting from the end. `allowEnd` admits `count` itself (insertion point).
    static func arrayIndex(_ token: String, count: Int, allowEnd: Bool) -> Int? {
        guard let raw = Int(token) else { return nil }
        let size = allowEnd ? count + 1 : count
        var i = raw
        if i < 0 {
            guard i >= -size else { return nil }
            i += size
        }
        return i < size ? i : nil
    }
}
