import APIMachinery
import Testing
@testable import Registry

/// Parses JSON text written in a test; a typo fails the test rather than crashing it.
func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
    do {
        return try JSON.parse(text)
    } catch {
        Issue.record("bad test JSON: \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// The catalog entry for a resource; fails the test when missing.
func resource(_ name: String, group: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> ResourceInfo {
    let version = "v1"
    return try #require(Catalog.lookup(group: group, version: version, resource: name), sourceLocation: sourceLocation)
}

/// Upstream's rendering of the errors: `path: Type: value: detail`.
func messages(_ errors: [FieldError]) -> [String] { errors.map(\.message) }

/// Runs defaulting then create preparation, as the handlers do.
func created(_ object: JSON, _ s: any ResourceStrategy) -> JSON {
    var o = object
    s.applyDefaults(&o)
    s.prepareForCreate(&o)
    return o
}
