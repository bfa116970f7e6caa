import APIMachinery
import Foundation
import Registry

/// Empties namespaces that are being deleted, then lets them go (upstream's namespace controller, kept
/// inside the API server so that namespace deletion works with no controller manager running).
///
/// Level-triggered: each pass looks at every terminating namespace, whatever woke it.
final class NamespaceCleaner: Sendable {
    private let kicks: AsyncStream<Void>
    private let kicker: AsyncStream<Void>.Continuation

    init() {
        (kicks, kicker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass soon.
    func kick() { kicker.yield() }

    func run(_ api: APIHandler) async {
        let timer = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                kicker.yield()
            }
        }
        defer { timer.cancel() }
        for await _ in kicks {
            if Task.isCancelled { break }
            do {
                try await pass(api)
            } catch {
                api.logger.warning("namespace cleanup: \(error)")
            }
        }
    }

    private func pass(_ api: APIHandler) async throws {
        let page = try await api.namespaces.list(namespace: nil, filter: { $0.metaDeletionTimestamp != nil }, limit: 0, continueToken: nil, revision: nil)
        for ns in page.items {
            guard let name = ns.metaName else { continue }
            var remaining = 0
            let custom = api.customResources.storageServings.filter { $0.info.namespaced }.map { ($0.info, Optional($0.store(kv: api.kv))) }
            let builtIn = Catalog.resources.filter { $0.namespaced && $0.verbs.contains("delete") && !StorageVersions.isAlias($0) }
                .map { ($0, api.store($0.group, $0.resource)) }
            for (info, found) in builtIn + custom {
                guard let store = found else { continue }
                let items = try await store.list(namespace: name, filter: nil, limit: 0, continueToken: nil, revision: nil).items
                for item in items {
                    remaining += 1
                    if item.metaDeletionTimestamp != nil { continue }
                    let req = APIRequest(method: "DELETE", path: "\(info.groupVersionPath)/namespaces/\(name)/\(info.resource)/\(item.metaName ?? "")", query: nil, headers: [:], body: Data())
                    _ = await api.handle(req)
                }
            }
            if remaining > 0 { continue }
            // Empty: drop the "kubernetes" finalizer; the namespace goes once its own finalizers are gone too.
            let nsCtx = RequestContext(
                request: APIRequest(method: "PUT", path: "/api/v1/namespaces/\(name)/finalize", query: nil, headers: [:], body: Data()),
                ri: RequestInfo(group: "", version: "v1", resource: "namespaces", name: name, subresource: "finalize"),
                info: api.namespaces.info, store: api.namespaces, strategy: api.strategy(api.namespaces.info))
            let (updated, _) = try await api.namespaces.guaranteedUpdate(namespace: nil, name: name) { current in
                var next = current
                var fins = current[path: ["spec", "finalizers"]]?.array ?? []
                fins.removeAll { $0.string == "kubernetes" }
                next[path: ["spec", "finalizers"]] = fins.isEmpty ? nil : .array(fins)
                return next
            }
            try await api.finishDeletionIfReady(nsCtx, updated)
        }
    }
}
