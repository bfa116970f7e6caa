import APIMachinery
import Foundation
import Registry
import Storage
import Synchronization

/// The CRD controllers upstream's apiextensions-apiserver runs in-process, in one loop over a watch of the
/// CRD objects: the naming controller (status.acceptedNames, `NamesAccepted`), the establishing controller
/// (`Established`), serving (the registry) and the finalizer controller, which deletes every custom resource
/// of a CRD being deleted before letting the CRD go (`customresourcecleanup.apiextensions.k8s.io`).
final class CustomResourceDefinitionController: Sendable {
    static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    let registry: CustomResourceRegistry
    private let cleanups = Mutex<Set<String>>([])

    init(registry: CustomResourceRegistry) {
        self.registry = registry
    }

    func run(_ api: APIHandler) async {
        guard let crds = api.store("apiextensions.k8s.io", "customresourcedefinitions") else { return }
        while !Task.isCancelled {
            do {
                let page = try await crds.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
                for crd in page.items { await reconcile(api, crds, crd) }
                let events = try await api.kv.watch(prefix: crds.resourcePrefix, afterRevision: page.revision)
                for try await event in events {
                    switch event.kind {
                    case .put:
                        if let crd = try? crds.decode(event.kv) { await reconcile(api, crds, crd) }
                    case .delete:
                        let name = String(event.kv.key.dropFirst(crds.resourcePrefix.count))
                        registry.set(name, nil)
                    }
                }
            } catch {
                if Task.isCancelled { return }
                api.logger.warning("crd controller: \(error)")
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Brings one CRD's status and serving up to date with its spec.
    func reconcile(_ api: APIHandler, _ crds: ResourceStore, _ crd: JSON) async {
        guard let name = crd.metaName, let model = CustomResourceDefinitionModel(crd) else { return }
        if crd.metaDeletionTimestamp != nil {
            registry.markTerminating(name)
            if crd.metaFinalizers.contains(Self.cleanupFinalizer) { startCleanup(api, crds, name) }
            return
        }
        let conflict = namingConflict(model)
        let now = RFC3339.time()
        var status = crd["status"] ?? [:]
        var conditions = status["conditions"]?.array ?? []
        if let conflict {
            setCondition(&conditions, "NamesAccepted", "False", conflict.reason, conflict.message, now)
            if !conditions.contains(where: { $0["type"]?.string == "Established" && $0["status"]?.string == "True" }) {
                setCondition(&conditions, "Established", "False", "NotAccepted", "not all names are accepted", now)
            }
        } else {
            var accepted: JSON = ["plural": .string(model.plural), "singular": .string(model.singular), "kind": .string(model.kind),
                                  "listKind": .string(model.listKind)]
            if !model.shortNames.isEmpty { accepted["shortNames"] = .array(model.shortNames.map { .string($0) }) }
            if !model.categories.isEmpty { accepted["categories"] = .array(model.categories.map { .string($0) }) }
            status["acceptedNames"] = accepted
            setCondition(&conditions, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now)
            setCondition(&conditions, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted", now)
        }
        status["conditions"] = .array(conditions)
        var stored = status["storedVersions"]?.array?.compactMap(\.string) ?? []
        if let sv = model.storageVersion, !stored.contains(sv) { stored.append(sv) }
        status["storedVersions"] = .array(stored.map { .string($0) })
        if status != crd["status"] {
            _ = try? await crds.guaranteedUpdate(namespace: nil, name: name) { current in
                guard current.metaUID == crd.metaUID, current.metaDeletionTimestamp == nil else { return nil }
                var next = current
                next["status"] = status
                return next
            }
        }
        if conflict == nil { registry.set(name, model) }
    }

    /// A CRD whose names clash with another served CRD of the same group is not accepted.
    private func namingConflict(_ m: CustomResourceDefinitionModel) -> (reason: String, message: String)? {
        for other in registry.snapshot.models.values where other.group == m.group && other.name != m.name {
            if other.plural == m.plural { return ("PluralConflict", "\"\(m.plural)\" is already in use") }
            if other.singular == m.singular || other.plural == m.singular { return ("SingularConflict", "\"\(m.singular)\" is already in use") }
            if let s = m.shortNames.first(where: { other.shortNames.contains($0) || other.plural == $0 || other.singular == $0 }) {
                return ("ShortNamesConflict", "\"\(s)\" is already in use")
            }
            if other.kind == m.kind { return ("KindConflict", "\"\(m.kind)\" is already in use") }
            if other.listKind == m.listKind { return ("ListKindConflict", "\"\(m.listKind)\" is already in use") }
        }
        return nil
    }

    private func setCondition(_ conditions: inout [JSON], _ type: String, _ status: String, _ reason: String, _ message: String, _ now: String) {
        if let i = conditions.firstIndex(where: { $0["type"]?.string == type }) {
            var c = conditions[i]
            if c["status"]?.string != status { c["lastTransitionTime"] = .string(now) }
            c["status"] = .string(status)
            c["reason"] = .string(reason)
            c["message"] = .string(message)
            conditions[i] = c
        } else {
            conditions.append(["type": .string(type), "status": .string(status), "lastTransitionTime": .string(now),
                               "reason": .string(reason), "message": .string(message)])
        }
    }

    private func startCleanup(_ api: APIHandler, _ crds: ResourceStore, _ name: String) {
        guard cleanups.withLock({ $0.insert(name).inserted }) else { return }
        Task {
            defer { _ = cleanups.withLock { $0.remove(name) } }
            do {
                try await cleanup(api, crds, name)
            } catch {
                api.logger.warning("crd cleanup of \(name): \(error)")
            }
        }
    }

    /// Deletes every custom resource of the CRD (through the API, so their own finalizers are honoured),
    /// waits until none is left, then drops the cleanup finalizer and lets the CRD go.
    private func cleanup(_ api: APIHandler, _ crds: ResourceStore, _ name: String) async throws {
        try await updateTerminating(crds, name, reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress")
        while !Task.isCancelled {
            guard let serving = registry.storageServings.first(where: { $0.crdName == name }) else { break }
            let store = serving.store(kv: api.kv)
            let items = try await store.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil).items
            if items.isEmpty { break }
            for item in items where item.metaDeletionTimestamp == nil {
                let info = serving.info
                var path = info.groupVersionPath
                if let ns = item.metaNamespace, info.namespaced { path += "/namespaces/\(ns)" }
                path += "/\(info.resource)/\(item.metaName ?? "")"
                _ = await api.handle(APIRequest(method: "DELETE", path: path, query: nil, headers: [:], body: Data()))
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await updateTerminating(crds, name, reason: "InstanceDeletionCompleted", message: "removed all instances")
        registry.set(name, nil)
        let (updated, _) = try await crds.guaranteedUpdate(namespace: nil, name: name) { current in
            var next = current
            let fins = current.metaFinalizers.filter { $0 != Self.cleanupFinalizer }
            next[path: ["metadata", "finalizers"]] = fins.isEmpty ? nil : .array(fins.map { .string($0) })
            return next
        }
        let ctx = RequestContext(
            request: APIRequest(method: "DELETE", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/\(name)", query: nil, headers: [:], body: Data()),
            ri: RequestInfo(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", name: name),
            info: crds.info, store: crds, strategy: api.strategy(crds.info))
        try await api.finishDeletionIfReady(ctx, updated)
    }

    private func updateTerminating(_ crds: ResourceStore, _ name: String, reason: String, message: String) async throws {
        _ = try await crds.guaranteedUpdate(namespace: nil, name: name) { current in
            var next = current
            var conditions = current[path: ["status", "conditions"]]?.array ?? []
            setCondition(&conditions, "Terminating", "True", reason, message, RFC3339.time())
            next[path: ["status", "conditions"]] = .array(conditions)
            return next
        }
    }
}
