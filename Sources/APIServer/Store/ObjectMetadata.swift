import APIMachinery
import Foundation

/// Small accessors for `metadata` fields the server reads and writes on every request.
extension JSON {
    var metaName: String? {
        get { self[path: ["metadata", "name"]]?.string }
        set { self[path: ["metadata", "name"]] = newValue.map { .string($0) } }
    }
    var metaNamespace: String? {
        get { self[path: ["metadata", "namespace"]]?.string }
        set { self[path: ["metadata", "namespace"]] = newValue.map { .string($0) } }
    }
    var metaResourceVersion: String? {
        get { self[path: ["metadata", "resourceVersion"]]?.string }
        set { self[path: ["metadata", "resourceVersion"]] = newValue.map { .string($0) } }
    }
    var metaUID: String? { self[path: ["metadata", "uid"]]?.string }
    var metaLabels: [String: String] { self[path: ["metadata", "labels"]]?.stringMap ?? [:] }
    var metaFinalizers: [String] { self[path: ["metadata", "finalizers"]]?.array?.compactMap(\.string) ?? [] }
    var metaDeletionTimestamp: String? { self[path: ["metadata", "deletionTimestamp"]]?.string }
}

/// RFC 3339 times with second precision, as Kubernetes' `metav1.Time` serialises.
enum Timestamp {
    static func now() -> String { format(Date()) }

    static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// `metav1.MicroTime` (RFC 3339 with microseconds), used by managedFields? no: by Events and Leases.
    static func nowMicro() -> String {
        let d = Date()
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        let base = f.string(from: d).dropLast()  // drop "Z"
        let micros = Int((d.timeIntervalSince1970 - floor(d.timeIntervalSince1970)) * 1_000_000)
        return "\(base).\(String(format: "%06d", micros))Z"
    }

    static func parse(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }
}

/// Random suffixes for `generateName` and UIDs.
enum Names {
    /// Upstream's `utilrand.String` alphabet: no vowels (no accidental words), no ambiguous characters.
    private static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func randomSuffix(_ n: Int = 5) -> String {
        String((0..<n).map { _ in alphabet.randomElement()! })
    }

    static func uid() -> String { UUID().uuidString.lowercased() }
}
