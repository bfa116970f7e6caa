import APIMachinery
import Foundation
import Registry

/// API discovery, in both formats kubectl understands: aggregated (`apidiscovery.k8s.io/v2`, one request
/// for everything, what kubectl 1.32 asks first) and legacy (`APIVersions` / `APIGroupList` /
/// per-version `APIResourceList`). Built once from the catalog; served with an ETag.
struct Discovery: Sendable {
    let aggregatedCore: Data
    let aggregatedGroups: Data
    let legacyCore: Data
    let legacyGroups: Data
    let groupVersions: [String: Data]
    let etags: [String: String]
    /// Served groups with their versions, preferred first.
    let groups: [(name: String, versions: [String])]

    static let aggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    static let aggregatedTypeBeta = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

    /// Built from the catalog and `metrics.k8s.io`, plus custom resources (and their groups) when CRDs serve any.
    init(resources: [ResourceInfo] = Catalog.resources + MetricsAPI.resources,
         groups: [(name: String, versions: [String])] = Catalog.groups + MetricsAPI.groups) {
        self.groups = groups
        func resourceEntry(_ r: ResourceInfo) -> JSON {
            var e: JSON = [
                "resource": .string(r.resource),
                "responseKind": ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)],
                "scope": r.namespaced ? "Namespaced" : "Cluster",
                "singularResource": .string(r.singular),
                "verbs": .array(r.verbs.map { .string($0) }),
            ]
            if !r.shortNames.isEmpty { e["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { e["categories"] = .array(r.categories.map { .string($0) }) }
            if !r.subresources.isEmpty {
                e["subresources"] = .array(r.subresources.map { s in
                    [
                        "subresource": .string(s.name),
                        "responseKind": ["group": .string(s.group), "version": .string(s.version), "kind": .string(s.kind)],
                        "verbs": .array(s.verbs.map { .string($0) }),
                    ]
                })
            }
            return e
        }
        func groupEntry(_ name: String) -> JSON {
            // Preferred version first, as the catalog lists them.
            let versions = groups.first { $0.name == name }?.versions ?? []
            return [
                "metadata": ["name": .string(name), "creationTimestamp": .null],
                "versions": .array(versions.map { v in
                    ["version": .string(v), "freshness": "Current",
                     "resources": .array(resources.filter { $0.group == name && $0.version == v }.map(resourceEntry))]
                }),
            ]
        }
        func aggregatedList(_ groups: [String]) -> JSON {
            ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:], "items": .array(groups.map(groupEntry))]
        }
        let groupNames = groups.map(\.name).filter { !$0.isEmpty }
        aggregatedCore = aggregatedList([""]).serialized()
        aggregatedGroups = aggregatedList(groupNames).serialized()

        legacyCore = (["kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": ""]]] as JSON).serialized()
        legacyGroups = ([
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": .array(groups.filter { !$0.name.isEmpty }.map { g in
                let versions: [JSON] = g.versions.map { ["groupVersion": .string("\(g.name)/\($0)"), "version": .string($0)] }
                return ["name": .string(g.name), "versions": .array(versions), "preferredVersion": versions[0]]
            }),
        ] as JSON).serialized()

        var gv: [String: Data] = [:]
        for r in resources {
            let path = r.groupVersionPath
            if gv[path] != nil { continue }
            var entries: [JSON] = []
            for x in resources where x.groupVersionPath == path {
                var e: JSON = [
                    "name": .string(x.resource), "singularName": .string(x.singular), "namespaced": .bool(x.namespaced),
                    "kind": .string(x.kind), "verbs": .array(x.verbs.map { .string($0) }),
                ]
                if !x.shortNames.isEmpty { e["shortNames"] = .array(x.shortNames.map { .string($0) }) }
                if !x.categories.isEmpty { e["categories"] = .array(x.categories.map { .string($0) }) }
                entries.append(e)
                for s in x.subresources {
                    var se: JSON = [
                        "name": .string("\(x.resource)/\(s.name)"), "singularName": "", "namespaced": .bool(x.namespaced),
                        "kind": .string(s.kind), "verbs": .array(s.verbs.map { .string($0) }),
                    ]
                    if s.group != x.group { se["group"] = .string(s.group); se["version"] = .string(s.version) }
                    entries.append(se)
                }
            }
            gv[path] = (["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(r.apiVersion), "resources": .array(entries)] as JSON).serialized()
        }
        groupVersions = gv
        var tags: [String: String] = [:]
        for (k, d) in [("aggCore", aggregatedCore), ("aggGroups", aggregatedGroups)] {
            tags[k] = "\"" + String(fnv1a(d), radix: 16, uppercase: true) + "\""
        }
        etags = tags
    }

    /// `/api` or `/apis`, aggregated when the client accepts it, else legacy.
    func root(_ path: String, accept: String?, ifNoneMatch: String?) -> APIResponse {
        let wantsAggregated = MediaRange.parseAccept(accept).contains {
            $0.parameters["g"] == "apidiscovery.k8s.io" && $0.parameters["as"] == "APIGroupDiscoveryList"
                && ($0.parameters["v"] == "v2" || $0.parameters["v"] == "v2beta1")
        }
        let isCore = path == "/api"
        guard wantsAggregated else {
            return APIResponse(status: 200, body: .data(isCore ? legacyCore : legacyGroups))
        }
        let v2 = MediaRange.parseAccept(accept).contains { $0.parameters["v"] == "v2" && $0.parameters["g"] == "apidiscovery.k8s.io" }
        let etag = etags[isCore ? "aggCore" : "aggGroups"] ?? ""
        if let ifNoneMatch, ifNoneMatch == etag {
            return APIResponse(status: 304, contentType: v2 ? Self.aggregatedType : Self.aggregatedTypeBeta, headers: [("ETag", etag)], body: .data(Data()))
        }
        var data = isCore ? aggregatedCore : aggregatedGroups
        if !v2 {
            data = Data(String(decoding: data, as: UTF8.self).replacingOccurrences(of: "apidiscovery.k8s.io/v2\"", with: "apidiscovery.k8s.io/v2beta1\"").utf8)
        }
        return APIResponse(status: 200, contentType: v2 ? Self.aggregatedType : Self.aggregatedTypeBeta, headers: [("ETag", etag)], body: .data(data))
    }

    /// `/api/v1`, `/apis/apps`, `/apis/apps/v1`; nil for other paths.
    func groupVersion(_ path: String, accept: String?) -> APIResponse? {
        if let d = groupVersions[path] { return APIResponse(status: 200, body: .data(d)) }
        let parts = path.split(separator: "/")
        if parts.count == 2, parts[0] == "apis", let g = groups.first(where: { $0.name == parts[1] }) {
            let versions: [JSON] = g.versions.map { ["groupVersion": .string("\(g.name)/\($0)"), "version": .string($0)] }
            let group: JSON = ["kind": "APIGroup", "apiVersion": "v1", "name": .string(g.name), "versions": .array(versions), "preferredVersion": versions[0]]
            return .json(group)
        }
        return nil
    }
}

/// 64-bit FNV-1a: a cheap, stable content hash for ETags.
func fnv1a(_ data: Data) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in data {
        h ^= UInt64(b)
        h = h &* 0x100_0000_01b3
    }
    return h
}
