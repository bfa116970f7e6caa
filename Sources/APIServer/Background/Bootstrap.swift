import APIMachinery
import Foundation

/// What every cluster has from the start: the four system namespaces and the `default/kubernetes` Service
/// pointing at this server. Created through the API itself, so defaulting and validation apply.
extension APIHandler {
    func bootstrap() async throws {
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            try await ensure("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        }
        // Upstream's scheduling bootstrap: the two system priority classes.
        for (name, value, description) in [
            ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
            ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
        ] {
            try await ensure("/apis/scheduling.k8s.io/v1/priorityclasses", [
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": ["name": .string(name)], "value": .int(Int64(value)), "description": .string(description),
            ])
        }
        // Upstream's bootstrap RBAC policy, reconciled on every start.
        try await reconcileBootstrapPolicy()
        // The metrics API is served here, not by an aggregated server: its APIService is a local one.
        try await ensureStored("apiregistration.k8s.io", "apiservices", MetricsAPI.apiService(now: RFC3339.time()))
        let port = Int64(config.port)
        try await ensure("/api/v1/namespaces/default/services", [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": [
                "clusterIP": .string(serviceIPs.address(at: 1)), "type": "ClusterIP", "sessionAffinity": "None",
                "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(port)]],
            ],
        ])
        // Upstream's endpoint reconciler writes these straight to storage: the advertised address may be one
        // that user-facing validation refuses (loopback, in a single-machine cluster).
        try await ensureStored("", "endpoints", [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [["addresses": [["ip": .string(config.advertiseAddress)]], "ports": [["name": "https", "port": .int(port), "protocol": "TCP"]]]],
        ])
        try await ensureStored("discovery.k8s.io", "endpointslices", [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io"]],
            "addressType": "IPv4",
            "endpoints": [["addresses": [.string(config.advertiseAddress)], "conditions": ["ready": true]]],
            "ports": [["name": "https", "port": .int(port), "protocol": "TCP"]],
        ])
    }

    /// Stores a system-owned object unless it exists, bypassing validation.
    private func ensureStored(_ group: String, _ resource: String, _ object: JSON) async throws {
        guard let store = store(group, resource) else { return }
        if try await store.getIfExists(namespace: object.metaNamespace, name: object.metaName ?? "") != nil { return }
        var obj = object
        obj[path: ["metadata", "uid"]] = .string(Names.uid())
        obj[path: ["metadata", "creationTimestamp"]] = .string(RFC3339.time())
        do {
            _ = try await store.create(obj)
        } catch let e as APIError where e.code == 409 {
            return
        }
    }

    /// Creates the object unless it exists.
    private func ensure(_ collection: String, _ object: JSON) async throws {
        let existing = await handle(APIRequest(method: "GET", path: collection + "/" + (object.metaName ?? ""), query: nil, headers: [:], body: Data()))
        if existing.status == 200 { return }
        let resp = await handle(APIRequest(method: "POST", path: collection, query: "fieldManager=skiff-apiserver", headers: ["User-Agent": "skiff-apiserver"], body: object.serialized()))
        if resp.status == 201 || resp.status == 409 { return }
        let message = resp.json?["message"]?.string ?? "status \(resp.status)"
        throw APIError.internalError("bootstrap of \(collection)/\(object.metaName ?? ""): \(message)")
    }
}
