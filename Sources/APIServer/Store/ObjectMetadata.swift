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

/// Random suffixes for `generateName` and UIDs.
enum Names {
    /// Upstream's `utilrand.String` alphabet: no vowels (no accidental words), no ambiguous characters.
    private static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func randomSuffix(_ n: Int = 5) -> String {
        String((0..<n).map { _ in alphabet.randomElement()! })
    }

    static func uid() -> String { UUID().uuidString.lowercased() }
}
