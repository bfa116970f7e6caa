import APIMachinery
import Foundation
import Registry

/// Upstream's ServiceAccount admission plugin on pod creation: a pod runs as `default` unless it names an
/// account, the account must exist, and unless the pod or the account opts out
/// (`automountServiceAccountToken: false`) its containers get the `kube-api-access-…` volume at
/// /var/run/secrets/kubernetes.io/serviceaccount.
///
/// Active only on servers that issue tokens (`--service-account-signing-key-file`): a server that cannot
/// issue the token has nothing to mount, and plain test servers keep pods exactly as sent.
extension APIHandler {
    func admitServiceAccount(_ pod: inout JSON, namespace: String) async throws {
        guard serviceAccountTokens != nil, !ServiceAccountTokenMount.isMirrorPod(pod) else { return }
        var name = pod[path: ["spec", "serviceAccountName"]]?.string ?? ""
        if name.isEmpty {
            name = ServiceAccountTokenMount.defaultServiceAccountName
            pod[path: ["spec", "serviceAccountName"]] = .string(name)
            // v1's deprecated mirror of the field, as the defaulting writes it.
            pod[path: ["spec", "serviceAccount"]] = .string(name)
        }
        // NamespaceLifecycle runs first upstream: a missing namespace is a 404 at once, not a wait for its account.
        try await checkNamespaceAcceptsContent(namespace)
        let account = try await serviceAccountForAdmission(namespace: namespace, name: name, pod: pod.metaName ?? "")
        if ServiceAccountTokenMount.shouldAutomount(pod: pod, serviceAccount: account) {
            ServiceAccountTokenMount.mount(into: &pod, newVolumeName: ServiceAccountTokenMount.volumeNamePrefix + Names.randomSuffix())
        }
        // The account's image pull secrets apply to pods that name none.
        if (pod[path: ["spec", "imagePullSecrets"]]?.array ?? []).isEmpty, let secrets = account["imagePullSecrets"]?.array, !secrets.isEmpty {
            pod[path: ["spec", "imagePullSecrets"]] = .array(secrets.map { ["name": $0["name"] ?? ""] })
        }
    }

    /// The account, retried a few times for `default` — the controller manager creates it just after its
    /// namespace — as upstream retries; 403 when it does not appear.
    private func serviceAccountForAdmission(namespace: String, name: String, pod: String) async throws -> JSON {
        let attempts = name == ServiceAccountTokenMount.defaultServiceAccountName ? 10 : 1
        for attempt in 0..<attempts {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(Int.random(in: 100...200))) }
            if let sa = try await store("", "serviceaccounts")?.getIfExists(namespace: namespace, name: name) { return sa }
        }
        throw APIError(
            code: 403, reason: "Forbidden",
            message: "pods \"\(pod)\" is forbidden: error looking up service account \(namespace)/\(name): serviceaccount \"\(name)\" not found",
            details: ["name": .string(pod), "kind": "pods"])
    }
}
