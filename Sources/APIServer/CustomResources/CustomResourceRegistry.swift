import APIMachinery
import Foundation
import OpenAPI
import Registry
import Synchronization

/// The custom resources currently served, rebuilt from the established CRDs whenever one changes
/// (upstream's `crdHandler` and its discovery/OpenAPI controllers, in one place). Reads take a snapshot;
/// the OpenAPI documents of a snapshot are built on first request, so an idle server holds none.
final class CustomResourceRegistry: Sendable {
    struct Snapshot: Sendable {
        var models: [String: CustomResourceDefinitionModel] = [:]
        var served: [String: CustomResourceServing] = [:]
        var infos: [ResourceInfo] = []
        var discovery = Discovery()
        var schema: Schema? = nil
        var generation = 0
        /// CRDs being deleted: their resources are still read, updated and deleted, but no longer created
        /// (upstream checks the CRD's `Terminating` condition on every create).
        var terminating: Set<String> = []
    }

    private let state = Mutex(Snapshot())
    private let openAPI = Mutex<(generation: Int, v3: OpenAPIDocuments?, v2: SwaggerDocument?)>((-1, nil, nil))

    static func key(_ group: String, _ version: String, _ resource: String) -> String { "\(group)/\(version)/\(resource)" }

    var snapshot: Snapshot { state.withLock { $0 } }
    var discovery: Discovery { state.withLock { $0.discovery } }

    func lookup(group: String, version: String, resource: String) -> CustomResourceServing? {
        state.withLock { $0.served[Self.key(group, version, resource)] }
    }

    /// The storage-version serving of every CRD (one per CRD: where its objects live).
    var storageServings: [CustomResourceServing] {
        state.withLock { s in
            s.models.values.compactMap { m in m.storageVersion.flatMap { v in s.served.values.first { $0.crdName == m.name && $0.info.version == v } }
                ?? s.served.values.first { $0.crdName == m.name } }
        }
    }

    func model(named name: String) -> CustomResourceDefinitionModel? { state.withLock { $0.models[name] } }

    /// Marks the CRD `name` as being deleted, so that creates of its resources are refused.
    func markTerminating(_ name: String) {
        _ = state.withLock { $0.terminating.insert(name) }
    }

    func isTerminating(_ name: String) -> Bool { state.withLock { $0.terminating.contains(name) } }

    /// Serves `model` (nil: stops serving the CRD `name`). Rebuilds discovery and the schema overlay.
    func set(_ name: String, _ model: CustomResourceDefinitionModel?) {
        state.withLock { s in
            if model == nil { s.terminating.remove(name) }
            if s.models[name] == model { return }
            s.models[name] = model
            Self.rebuild(&s)
        }
    }

    private static func rebuild(_ s: inout Snapshot) {
        let models = s.models.values.sorted { $0.name < $1.name }
        var entries: [CustomResourceSchemas.Entry] = []
        for m in models {
            for v in m.servedVersions { entries.append(.init(info: m.resourceInfo(v), listKind: m.listKind, schema: v.schema)) }
        }
        let schema = entries.isEmpty ? nil : CustomResourceSchemas.schema(for: entries)
        var served: [String: CustomResourceServing] = [:]
        var infos: [ResourceInfo] = []
        var groups: [(name: String, versions: [String])] = []
        for m in models {
            for v in m.servedVersions {
                let serving = CustomResourceServing(model: m, version: v, schema: schema ?? .shared)
                served[key(m.group, v.name, m.plural)] = serving
                infos.append(serving.info)
            }
            let versions = m.servedVersions.map(\.name)
            if let i = groups.firstIndex(where: { $0.name == m.group }) {
                let merged = Set(groups[i].versions).union(versions)
                groups[i].versions = merged.sorted { KubeVersionOrder.less($1, $0) }
            } else if !versions.isEmpty {
                groups.append((m.group, versions))
            }
        }
        // Within a group-version, resources in name order.
        infos.sort { ($0.group, $0.version, $0.resource) < ($1.group, $1.version, $1.resource) }
        s.served = served
        s.infos = infos
        s.schema = schema
        s.discovery = Discovery(resources: Catalog.resources + MetricsAPI.resources + infos, groups: Catalog.groups + MetricsAPI.groups + groups)
        s.generation += 1
    }

    /// The OpenAPI v3 documents of the custom resources' group-versions (nil when none is served).
    func openAPIV3() -> OpenAPIDocuments? {
        let s = snapshot
        guard let schema = s.schema else { return nil }
        return openAPI.withLock { cache in
            if cache.generation != s.generation { cache = (s.generation, nil, nil) }
            if let v3 = cache.v3 { return v3 }
            let docs = OpenAPIDocuments(schema: schema, resources: s.infos)
            cache.v3 = docs
            return docs
        }
    }

    /// The Swagger 2.0 document with the custom resources (nil when none is served: the bundled one is used).
    func openAPIV2() -> SwaggerDocument? {
        let s = snapshot
        guard let schema = s.schema else { return nil }
        return openAPI.withLock { cache in
            if cache.generation != s.generation { cache = (s.generation, nil, nil) }
            if let v2 = cache.v2 { return v2 }
            let doc = SwaggerDocument(schema: schema, resources: Catalog.resources + s.infos)
            cache.v2 = doc
            return doc
        }
    }
}
