import APIMachinery
import Foundation

/// The options of `kubectl logs` as the kubelet's `/containerLogs` endpoint receives them (upstream's
/// `PodLogOptions` query parameters).
public struct ContainerLogOptions: Sendable, Equatable {
    public var follow = false
    public var previous = false
    public var timestamps = false
    /// Only the last N lines (N ≥ 0).
    public var tailLines: Int?
    /// Stop after this many bytes.
    public var limitBytes: Int?
    /// Only lines written at or after this time (from `sinceSeconds` or `sinceTime`).
    public var since: Date?

    public init() {}

    /// Reads the query parameters; 400-worthy values throw a message.
    public init(query: [String: String], now: Date = Date()) throws {
        func bool(_ k: String) -> Bool { query[k].map { $0 == "true" || $0 == "1" } ?? false }
        func int(_ k: String) throws -> Int? {
            guard let v = query[k], !v.isEmpty else { return nil }
            guard let n = Int(v) else { throw LogRequestError("invalid \(k): \(v)") }
            return n
        }
        follow = bool("follow")
        previous = bool("previous")
        timestamps = bool("timestamps")
        tailLines = try int("tailLines")
        limitBytes = try int("limitBytes")
        if let t = tailLines, t < 0 { tailLines = nil }  // kubectl's default -1 means "all"
        if let l = limitBytes, l < 1 { throw LogRequestError("limitBytes must be greater than zero") }
        if let s = try int("sinceSeconds") {
            guard s >= 1 else { throw LogRequestError("sinceSeconds must be greater than zero") }
            since = now.addingTimeInterval(-Double(s))
        } else if let t = query["sinceTime"], !t.isEmpty {
            guard let d = RFC3339.parse(t) else { throw LogRequestError("invalid sinceTime: \(t)") }
            since = d
        }
    }
}

/// A log request that cannot be served, with upstream's message.
public struct LogRequestError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// 400 for the caller's mistakes and containers without logs, 404 for unknown pods.
    public var code: Int
    public init(_ message: String, code: Int = 400) {
        self.message = message
        self.code = code
    }
    public var description: String { message }
}
