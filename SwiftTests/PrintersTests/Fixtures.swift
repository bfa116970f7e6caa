import APIMachinery
import Foundation

/// The fixed clock tests print against: 2024-05-01T12:00:00Z.
let now = Date(timeIntervalSince1970: 1_714_564_800)

/// An RFC 3339 time `seconds` before `now`.
func ago(_ seconds: Int) -> JSON {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    return .string(f.string(from: now.addingTimeInterval(TimeInterval(-seconds))))
}

/// Parses JSON text written in a test; the fixtures are valid JSON.
func object(_ text: String) -> JSON {
    do {
        return try JSON.parse(text)
    } catch {
        fatalError("bad fixture: \(error)")
    }
}

/// A pod with the given metadata additions, spec and status.
func pod(_ name: String, createdAgo: Int = 300, spec: String = #"{"containers":[{"name":"app","image":"nginx:1.27"}]}"#,
         status: String, deletion: JSON? = nil) -> JSON {
    var p = object(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"default","uid":"u-\#(name)","resourceVersion":"42"}}"#)
    p[path: ["metadata", "creationTimestamp"]] = ago(createdAgo)
    if let deletion { p[path: ["metadata", "deletionTimestamp"]] = deletion }
    p["spec"] = object(spec)
    p["status"] = object(status)
    return p
}

func strings(_ cells: [JSON]) -> [String] { cells.map { $0.string ?? "<\($0)>" } }
