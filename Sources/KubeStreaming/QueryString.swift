import Foundation

/// `a=1&b=2&command=ls&command=-l` as ordered pairs, decoded as Go's `url.ParseQuery` decodes them
/// (`+` is a space, `%XX` escapes): exec's `command` repeats, so a dictionary would lose arguments.
public struct QueryString: Sendable, Equatable {
    public var items: [(String, String)]

    public init(_ query: String?) {
        items = (query ?? "").split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    public subscript(_ key: String) -> String? { items.first { $0.0 == key }?.1 }
    public func all(_ key: String) -> [String] { items.filter { $0.0 == key }.map(\.1) }
    public func bool(_ key: String) -> Bool { self[key].map { $0 == "true" || $0 == "1" } ?? false }
    /// The first value of each key.
    public var first: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in items where out[k] == nil { out[k] = v }
        return out
    }

    public static func == (a: QueryString, b: QueryString) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
