import APIMachinery
import Foundation

/// Keeps the bootstrap policy in the store, as upstream's `rbac/bootstrap-roles` post-start hook does on
/// every start: missing roles and bindings are created; existing ones annotated
/// `rbac.authorization.kubernetes.io/autoupdate: "true"` get back the rules, aggregation selectors and
/// subjects the policy has (additions only: what an administrator added stays). Annotated `"false"`,
/// an object is left alone.
extension APIHandler {
    static let autoupdate = "rbac.authorization.kubernetes.io/autoupdate"
    static let bootstrapLabels: JSON = ["kubernetes.io/bootstrapping": "rbac-defaults"]

    func reconcileBootstrapPolicy() async throws {
        let clusterRoles = BootstrapPolicy.clusterRoles + BootstrapPolicy.controllerRoles
            + [BootstrapPolicy.networkPolicyEnforcer.role, BootstrapPolicy.localPathProvisioner.role, BootstrapPolicy.ingressController.role]
        for role in clusterRoles { try await reconcileRole(role, namespace: nil) }
        let bindings = BootstrapPolicy.clusterRoleBindings + BootstrapPolicy.controllerRoleBindings
            + [BootstrapPolicy.networkPolicyEnforcer.binding, BootstrapPolicy.localPathProvisioner.binding, BootstrapPolicy.ingressController.binding,
               BootstrapPolicy.nodeSimulatorBinding]
        for binding in bindings { try await reconcileBinding(binding, namespace: nil) }
        var namespaced = BootstrapPolicy.namespaced
        namespaced[0].roles.append(BootstrapPolicy.dnsPublisher.role)
        namespaced[0].bindings.append(BootstrapPolicy.dnsPublisher.binding)
        namespaced[0].roles.append(BootstrapPolicy.ingressPublisher.role)
        namespaced[0].bindings.append(BootstrapPolicy.ingressPublisher.binding)
        for (namespace, roles, bindings) in namespaced {
            for role in roles { try await reconcileRole(role, namespace: namespace) }
            for binding in bindings { try await reconcileBinding(binding, namespace: namespace) }
        }
        try await retireBootstrapBindings()
        try await aggregateClusterRoles()
        rbacPolicy.invalidate()
    }

    /// Takes out what earlier versions' bootstrap policy granted the controller manager's own identity and
    /// this one no longer does (`BootstrapPolicy.retiredBindingPrefix`): the per-controller bindings go,
    /// and `local-path-provisioner-bind` loses its old subject. Only objects still marked as bootstrap
    /// policy (the `kubernetes.io/bootstrapping` label) and not annotated `autoupdate: "false"` are touched,
    /// so a binding an administrator made or pinned under such a name stays.
    private func retireBootstrapBindings() async throws {
        guard let store = store("rbac.authorization.k8s.io", "clusterrolebindings") else { return }
        let all = try await store.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil).items
        func managed(_ b: JSON) -> Bool {
            b[path: ["metadata", "labels", "kubernetes.io/bootstrapping"]]?.string == "rbac-defaults"
                && b[path: ["metadata", "annotations", Self.autoupdate]]?.string != "false"
        }
        for b in all where (b.metaName ?? "").hasPrefix(BootstrapPolicy.retiredBindingPrefix) && managed(b) {
            try await bootstrapWrite("DELETE", "clusterrolebindings", namespace: nil, name: b.metaName, nil)
        }
        let retired = BootstrapPolicy.localPathProvisionerRetiredSubject
        let name = BootstrapPolicy.localPathProvisioner.binding.name
        if let b = all.first(where: { $0.metaName == name }), managed(b), let subjects = b["subjects"]?.array {
            let kept = subjects.filter { !($0["kind"]?.string == retired.kind && $0["name"]?.string == retired.name) }
            if kept.count != subjects.count {
                var next = b
                next["subjects"] = .array(kept)
                try await bootstrapWrite("PUT", "clusterrolebindings", namespace: nil, name: name, next)
            }
        }
    }

    /// Fills aggregated ClusterRoles once, as the clusterrole-aggregation controller would, so `admin`,
    /// `edit` and `view` grant their rules from the first request (the controller keeps them current).
    private func aggregateClusterRoles() async throws {
        guard let store = store("rbac.authorization.k8s.io", "clusterroles") else { return }
        // Aggregated roles may select aggregated roles (admin ← edit ← view): repeat until nothing changes.
        for _ in 0..<5 {
            let all = try await store.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil).items
            var changed = false
            for role in all {
                guard let rules = ClusterRoleAggregation.rules(of: role, from: all), !ClusterRoleAggregation.hasRules(role, rules) else { continue }
                var next = role
                next["rules"] = .array(rules)
                try await bootstrapWrite("PUT", "clusterroles", namespace: nil, name: role.metaName, next)
                changed = true
            }
            if !changed { return }
        }
    }

    static func object(_ role: BootstrapPolicy.Role, namespace: String?) -> JSON {
        var labels = bootstrapLabels
        for (k, v) in role.labels { labels[k] = .string(v) }
        var meta: JSON = ["name": .string(role.name), "labels": labels, "annotations": [Self.autoupdate: "true"]]
        if let namespace { meta["namespace"] = .string(namespace) }
        var o: JSON = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": namespace == nil ? "ClusterRole" : "Role",
            "metadata": meta, "rules": .array(role.rules.map(\.json)),
        ]
        if !role.aggregateFrom.isEmpty {
            o["aggregationRule"] = ["clusterRoleSelectors": .array(role.aggregateFrom.map { ["matchLabels": .object($0.mapValues(JSON.string))] })]
        }
        return o
    }

    static func object(_ binding: BootstrapPolicy.Binding, namespace: String?) -> JSON {
        var meta: JSON = ["name": .string(binding.name), "labels": bootstrapLabels, "annotations": [Self.autoupdate: "true"]]
        if let namespace { meta["namespace"] = .string(namespace) }
        var o: JSON = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": namespace == nil ? "ClusterRoleBinding" : "RoleBinding",
            "metadata": meta,
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(binding.roleKind), "name": .string(binding.role)],
        ]
        if !binding.subjects.isEmpty {
            o["subjects"] = .array(binding.subjects.map { s in
                var j: JSON = ["kind": .string(s.kind), "name": .string(s.name)]
                if s.kind == "ServiceAccount" { j["namespace"] = .string(s.namespace) } else { j["apiGroup"] = "rbac.authorization.k8s.io" }
                return j
            })
        }
        return o
    }

    private func reconcileRole(_ role: BootstrapPolicy.Role, namespace: String?) async throws {
        let resource = namespace == nil ? "clusterroles" : "roles"
        let desired = Self.object(role, namespace: namespace)
        guard let existing = await storedObject("rbac.authorization.k8s.io", resource, namespace: namespace, name: role.name) else {
            return try await bootstrapWrite("POST", resource, namespace: namespace, name: nil, desired)
        }
        guard existing[path: ["metadata", "annotations", Self.autoupdate]]?.string != "false" else { return }
        var next = existing
        var changed = false
        if role.aggregateFrom.isEmpty {
            let have = PolicyRule.rules(of: existing)
            let missing = role.rules.filter { !RuleCoverage.uncovered(owner: have, requested: [$0]).isEmpty }
            if !missing.isEmpty {
                next["rules"] = .array((have + missing).map(\.json))
                changed = true
            }
        } else {
            var selectors = existing[path: ["aggregationRule", "clusterRoleSelectors"]]?.array ?? []
            for s in desired[path: ["aggregationRule", "clusterRoleSelectors"]]?.array ?? [] where !selectors.contains(s) {
                selectors.append(s)
                changed = true
            }
            next["aggregationRule"] = ["clusterRoleSelectors": .array(selectors)]
        }
        for (k, v) in role.labels where existing[path: ["metadata", "labels", k]]?.string != v {
            next[path: ["metadata", "labels", k]] = .string(v)
            changed = true
        }
        if changed { try await bootstrapWrite("PUT", resource, namespace: namespace, name: role.name, next) }
    }

    private func reconcileBinding(_ binding: BootstrapPolicy.Binding, namespace: String?) async throws {
        let resource = namespace == nil ? "clusterrolebindings" : "rolebindings"
        let desired = Self.object(binding, namespace: namespace)
        guard let existing = await storedObject("rbac.authorization.k8s.io", resource, namespace: namespace, name: binding.name) else {
            return try await bootstrapWrite("POST", resource, namespace: namespace, name: nil, desired)
        }
        guard existing[path: ["metadata", "annotations", Self.autoupdate]]?.string != "false" else { return }
        if !Semantic.equal(existing["roleRef"], desired["roleRef"]) {
            // roleRef is immutable: upstream deletes and recreates the binding.
            try await bootstrapWrite("DELETE", resource, namespace: namespace, name: binding.name, nil)
            return try await bootstrapWrite("POST", resource, namespace: namespace, name: nil, desired)
        }
        var subjects = existing["subjects"]?.array ?? []
        var changed = false
        for s in desired["subjects"]?.array ?? [] where !subjects.contains(where: { Semantic.equal($0, s) }) {
            subjects.append(s)
            changed = true
        }
        if changed {
            var next = existing
            next["subjects"] = .array(subjects)
            try await bootstrapWrite("PUT", resource, namespace: namespace, name: binding.name, next)
        }
    }

    /// One write through the API (defaulting and validation apply), as the server itself.
    private func bootstrapWrite(_ method: String, _ resource: String, namespace: String?, name: String?, _ body: JSON?) async throws {
        var path = "/apis/rbac.authorization.k8s.io/v1"
        if let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(resource)"
        if let name { path += "/\(name)" }
        let resp = await handle(APIRequest(
            method: method, path: path, query: "fieldManager=skiff-apiserver", headers: ["User-Agent": "skiff-apiserver"],
            body: body?.serialized() ?? Data()))
        if resp.status < 300 || resp.status == 409 { return }
        let message = resp.json?["message"]?.string ?? "status \(resp.status)"
        throw APIError.internalError("bootstrap policy: \(method) \(path): \(message)")
    }
}
