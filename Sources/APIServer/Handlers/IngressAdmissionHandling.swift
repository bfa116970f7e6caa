import APIMachinery
import Registry

/// Runs `DefaultIngressClass` (`IngressAdmission`) on created Ingresses.
extension APIHandler {
    func admitIngress(_ object: inout JSON) async throws {
        guard let classes = store("networking.k8s.io", "ingressclasses") else { return }
        let page = try await classes.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil)
        IngressAdmission.setDefaultClass(&object, classes: page.items)
    }
}
