import APIMachinery
import Synchronization

/// The live cluster view: informer handlers write it, every query reads a `snapshot()`.
///
/// The methods take raw API objects so that callers (informer handlers, tests with fixture objects) need not
/// know the reduced forms.
public final class ClusterState: Sendable {
    private let state = Mutex(ClusterSnapshot())

    public init() {}

    public func snapshot() -> ClusterSnapshot { state.withLock { $0 } }

    public func applyService(_ svc: JSON) {
        guard let s = ServiceEntry(svc) else { return }
        state.withLock { $0.upsertService(s) }
    }

    public func deleteService(namespace: String, name: String) {
        state.withLock { $0.removeService(key: ClusterSnapshot.key(namespace, name)) }
    }

    public func applyEndpointSlice(_ slice: JSON) {
        if let s = SliceEntry(slice) {
            state.withLock { $0.upsertSlice(s) }
        } else if let ns = slice[path: ["metadata", "namespace"]]?.string, let name = slice[path: ["metadata", "name"]]?.string {
            // Lost its service label: it no longer backs anything.
            state.withLock { $0.removeSlice(namespace: ns, name: name) }
        }
    }

    public func deleteEndpointSlice(namespace: String, name: String) {
        state.withLock { $0.removeSlice(namespace: namespace, name: name) }
    }

    public func applyPod(_ pod: JSON) {
        guard let p = PodEntry(pod) else { return }
        state.withLock { $0.upsertPod(p) }
    }

    public func deletePod(namespace: String, name: String) {
        state.withLock { $0.removePod(key: ClusterSnapshot.key(namespace, name)) }
    }

    /// Records that a namespace exists. Once any namespace was recorded, names in unknown namespaces are
    /// NXDOMAIN (as CoreDNS, which watches namespaces); before that, every namespace is taken to exist.
    public func applyNamespace(_ name: String) { state.withLock { $0.setNamespace(name, exists: true) } }
    public func deleteNamespace(_ name: String) { state.withLock { $0.setNamespace(name, exists: false) } }

    /// Convenience for fixtures: applies any of the four kinds by `kind`.
    public func apply(_ object: JSON) {
        switch object["kind"]?.string {
        case "Service": applyService(object)
        case "EndpointSlice": applyEndpointSlice(object)
        case "Pod": applyPod(object)
        case "Namespace": if let n = object[path: ["metadata", "name"]]?.string { applyNamespace(n) }
        default: break
        }
    }
}
