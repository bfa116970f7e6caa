import Foundation

/// The query string of a request, decoded as Go's `url.ParseQuery` does (`+` is a space), keeping repeats
/// (`command=ls&command=-l` for exec).
public struct QueryParameters: Sendable {
    private var pairs: [(String, String)] = []

    public init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(kv[0])
            let value = kv.count > 1 ? Self.decode(kv[1]) : ""
            pairs.append((key, value))
        }
    }

    private static func decode(_ s: Substring) -> String {
        // Most values (`fieldManager=kubectl-client-side-apply`, `limit=500`) need neither step.
        guard s.contains("+") || s.contains("%") else { return String(s) }
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
    }

    /// The first value of `key`, or nil when absent.
    public subscript(key: String) -> String? {
        pairs.first { $0.0 == key }?.1
    }

    public func all(_ key: String) -> [String] {
        pairs.filter { $0.0 == key }.map(\.1)
    }

    /// Go's `strconv.ParseBool` truthiness, as upstream reads boolean query parameters.
    public func bool(_ key: String) -> Bool {
        guard let v = self[key] else { return false }
        return ["1", "t", "T", "true", "TRUE", "True"].contains(v)
    }

    public func int(_ key: String) -> Int? {
        guard let v = self[key], !v.isEmpty else { return nil }
        return Int(v)
    }
}
