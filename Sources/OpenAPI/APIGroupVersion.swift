import Registry

/// A served group-version and the names upstream derives from it for OpenAPI.
struct APIGroupVersion: Hashable, Sendable {
    var group: String
    var version: String

    init(group: String, version: String) {
        self.group = group
        self.version = version
    }

    init(_ resource: ResourceInfo) {
        self.init(group: resource.group, version: resource.version)
    }

    /// The key in `/openapi/v3`'s `paths`: "api/v1", "apis/apps/v1".
    var documentPath: String { group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)" }
    /// The URL prefix of the group-version's resources: "/api/v1", "/apis/apps/v1".
    var urlPrefix: String { "/" + documentPath }

    /// The group-version part of upstream's operation ids: "CoreV1", "AppsV1", "CoordinationV1",
    /// "RbacAuthorizationV1".
    var operationIDPart: String { groupWords.map(\.capitalizedFirst).joined() + version.capitalizedFirst }

    /// Upstream's operation tag: "core_v1", "apps_v1", "rbacAuthorization_v1".
    var tag: String {
        let words = groupWords
        return ([words[0]] + words.dropFirst().map(\.capitalizedFirst)).joined() + "_" + version
    }

    private var groupWords: [String] {
        if group.isEmpty { return ["core"] }
        var g = group
        if g.hasSuffix(".k8s.io") { g.removeLast(".k8s.io".count) }
        return g.split(separator: ".").map(String.init)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
