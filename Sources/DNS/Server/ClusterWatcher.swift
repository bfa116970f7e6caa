import APIMachinery
import Client
import Logging

/// Keeps a `ClusterState` in step with the API server through shared informers for Services,
/// EndpointSlices, Pods and Namespaces (CoreDNS's dnsController watches the same four).
public final class ClusterWatcher: Sendable {
    public let state: ClusterState
    let informers: [Informer]

    /// - Parameter watchPods: pods are needed for PTR answers of pod addresses and `verified` pod mode.
    public init(client: KubeClient, state: ClusterState, watchPods: Bool = true, logger: Logger = Logger(label: "dns")) {
        self.state = state
        let services = Informer(client: client, resource: .services, logger: logger)
        let slices = Informer(client: client, resource: .endpointslices, logger: logger)
        let namespaces = Informer(client: client, resource: .namespaces, logger: logger)
        services.addHandler(Self.handler(apply: state.applyService, delete: state.deleteService))
        slices.addHandler(Self.handler(apply: state.applyEndpointSlice, delete: state.deleteEndpointSlice))
        namespaces.addHandler(InformerHandlerFunctions(
            onAdd: { o, _ in if let n = o[path: ["metadata", "name"]]?.string { state.applyNamespace(n) } },
            onDelete: { d in if let n = d.object[path: ["metadata", "name"]]?.string { state.deleteNamespace(n) } }))
        var all = [services, slices, namespaces]
        if watchPods {
            let pods = Informer(client: client, resource: .pods, logger: logger)
            pods.addHandler(Self.handler(apply: state.applyPod, delete: state.deletePod))
            all.append(pods)
        }
        informers = all
    }

    static func handler(apply: @escaping @Sendable (JSON) -> Void, delete: @escaping @Sendable (String, String) -> Void) -> InformerHandlerFunctions {
        InformerHandlerFunctions(
            onAdd: { o, _ in apply(o) },
            onUpdate: { _, new in apply(new) },
            onDelete: { d in
                let o = d.object
                if let ns = o[path: ["metadata", "namespace"]]?.string, let n = o[path: ["metadata", "name"]]?.string { delete(ns, n) }
            })
    }

    /// Lists and watches until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for i in informers { group.addTask { await i.run() } }
        }
    }

    /// Waits until every informer has listed once (false if cancelled first).
    public func waitForSync() async -> Bool {
        for i in informers { guard await i.waitForSync() else { return false } }
        return true
    }
}
