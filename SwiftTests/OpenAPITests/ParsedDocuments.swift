import APIMachinery
import OpenAPI

/// The shared documents, parsed once: parsing the 700 kB core document takes about a second in debug builds.
enum ParsedDocuments {
    static let byPath: [String: JSON] = {
        var out: [String: JSON] = [:]
        for p in OpenAPIDocuments.shared.groupVersionPaths {
            if let data = OpenAPIDocuments.shared.document(for: p), let doc = try? JSON.parse(data) { out[p] = doc }
        }
        return out
    }()
}
