import APIMachinery
import Foundation
import Registry

/// `POST pods/NAME/eviction`: a pod deletion that respects PodDisruptionBudgets (upstream's
/// `EvictionREST` in pkg/registry/core/pod/storage/eviction.go).
///
/// A pod that is not Running (Pending, Succeeded, Failed) or already being deleted goes without a
/// budget check. Otherwise the one budget whose selector matches it must allow a disruption: the
/// handler decrements `status.disruptionsAllowed` and records the pod in `status.disruptedPods` with a
/// write guarded by the budget's resourceVersion (so two evictions cannot spend the same allowance),
/// then deletes the pod. An unready pod may go without spending the budget when the budget is met
/// anyway, or always under `unhealthyPodEvictionPolicy: AlwaysAllow`.
extension APIHandler {
    static let evictionDenied = "Cannot evict pod as it would violate the pod's disruption budget."
    /// Upstream's `MaxDisruptedPodSize`.
    static let maxDisruptedPods = 2000
    /// Upstream's `EvictionsRetry` (20 steps of 500ms).
    static let evictionRetries = 20

    /// The eviction's delete options and whether it is a dry run.
    struct EvictionOptions {
        var delete: DeleteOptions
        var raw: JSON
        var dryRun: Bool
    }

    func evict(_ ctx: RequestContext, podName: String) async throws -> APIResponse {
        let options = try evictionOptions(ctx, podName: podName)
        let success = APIResponse.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201)

        // Pods whose eviction disrupts nothing more: deleted without looking at budgets.
        var pod = JSON.null
        for attempt in 0..<Self.evictionRetries {
            pod = try await ctx.store.get(namespace: ctx.namespace, name: podName)
            guard Self.canIgnoreBudget(pod) else { break }
            var delete = options.delete
            if Self.shouldEnforceResourceVersion(pod), options.delete.preconditionRV == nil {
                // Not racing with the pod becoming Running and Ready meanwhile.
                delete.preconditionRV = pod.metaResourceVersion
            }
            do {
                try await addConditionAndDelete(ctx, podName: podName, options: delete, dryRun: options.dryRun)
                return success
            } catch let e as APIError where e.code == 409 && options.delete.preconditionRV == nil && attempt < Self.evictionRetries - 1 {
                try await Task.sleep(for: .milliseconds(500))
            }
        }

        let budgets = try await podDisruptionBudgets(for: pod)
        if budgets.count > 1 {
            throw APIError(code: 500, reason: "", message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
        }
        var delete = options.delete
        var guardedByResourceVersion = false
        if var pdb = budgets.first {
            let pdbName = pdb.metaName ?? ""
            let status = pdb["status"] ?? [:]
            let current = status["currentHealthy"]?.int ?? 0, desired = status["desiredHealthy"]?.int ?? 0
            let unhealthyMayGo = !Self.isReady(pod) && (
                pdb[path: ["spec", "unhealthyPodEvictionPolicy"]]?.string == "AlwaysAllow" || (current >= desired && desired > 0))
            if unhealthyMayGo {
                // An unready pod counts for nothing in the budget: it goes without spending it, as long
                // as it does not become ready before the delete.
                guardedByResourceVersion = true
            } else {
                var decremented = false
                for attempt in 0..<Self.evictionRetries {
                    if attempt > 0 {
                        pdb = try await pdbStore.get(namespace: pdb.metaNamespace, name: pdbName)
                    }
                    do {
                        try await checkAndDecrement(pdb, podName: podName, dryRun: options.dryRun)
                        decremented = true
                        break
                    } catch let e as APIError where e.code == 409 {
                        continue
                    }
                }
                if !decremented {
                    throw APIError(code: 504, reason: "Timeout", message: "couldn't update PodDisruptionBudget \(GoQuoting.quote(pdbName)) due to conflicts",
                                   details: ["retryAfterSeconds": 10])
                }
            }
            if guardedByResourceVersion { delete.preconditionRV = pod.metaResourceVersion }
            do {
                try await addConditionAndDelete(ctx, podName: podName, options: delete, dryRun: options.dryRun)
            } catch let e as APIError where e.code == 409 && guardedByResourceVersion && options.delete.preconditionRV == nil {
                throw Self.budgetStillProcessing(pdbName)
            }
            return success
        }
        try await addConditionAndDelete(ctx, podName: podName, options: delete, dryRun: options.dryRun)
        return success
    }

    var pdbStore: ResourceStore { store("policy", "poddisruptionbudgets")! }

    /// The Eviction in the body (policy/v1 or policy/v1beta1) and the delete options it carries, with the
    /// request's dryRun merged in (upstream's `propagateDryRun`).
    func evictionOptions(_ ctx: RequestContext, podName: String) throws -> EvictionOptions {
        let body = try ctx.request.decodeBody(apiVersion: "policy/v1", kind: "Eviction")
        guard body.isObject else { throw APIError.badRequest("the body of an eviction must be an Eviction object") }
        // What the body leaves out is the endpoint's kind, as upstream's decoder defaults it (the Python
        // client sends no type meta).
        let kind = body["kind"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "Eviction"
        let apiVersion = body["apiVersion"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "policy/v1"
        guard kind == "Eviction", apiVersion == "policy/v1" || apiVersion == "policy/v1beta1" else {
            throw APIError.badRequest("not a Eviction object: \(apiVersion), Kind=\(kind)")
        }
        if body[path: ["metadata", "name"]]?.string != podName {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        if let ns = body[path: ["metadata", "namespace"]]?.string, !ns.isEmpty, ns != ctx.ri.namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let raw = body["deleteOptions"].flatMap { $0.isNull ? nil : $0 } ?? [:]
        let queryDryRun = ctx.request.query.all("dryRun")
        let bodyDryRun = raw["dryRun"]?.array?.compactMap(\.string) ?? []
        if !queryDryRun.isEmpty, !bodyDryRun.isEmpty, queryDryRun != bodyDryRun {
            throw APIError.internalError("Non-matching dry-run options in request and content: [\(queryDryRun.joined(separator: " "))] and [\(bodyDryRun.joined(separator: " "))]")
        }
        if let bad = bodyDryRun.first(where: { $0 != "All" }) {
            throw APIError.invalid(kind: "DeleteOptions", name: "", group: "meta.k8s.io",
                                   errors: [FieldError(.notSupported, "dryRun", value: "[]string{\"\(bad)\"}", detail: "supported values: \"All\"")])
        }
        let deleteRequest = APIRequest(method: "DELETE", path: ctx.request.path, query: nil, headers: [:], body: raw.serialized())
        return EvictionOptions(delete: try DeleteOptions(deleteRequest), raw: raw, dryRun: (queryDryRun + bodyDryRun).contains("All"))
    }

    /// Not Running, or already on its way out: evicting it disrupts nothing a budget protects.
    static func canIgnoreBudget(_ pod: JSON) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.string ?? ""
        return phase == "Succeeded" || phase == "Failed" || phase == "Pending" || pod.metaDeletionTimestamp != nil
    }

    /// Whether the delete of an ignorable pod must not race with the pod changing (all but finished or
    /// already deleting pods).
    static func shouldEnforceResourceVersion(_ pod: JSON) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.string ?? ""
        return !(phase == "Succeeded" || phase == "Failed" || pod.metaDeletionTimestamp != nil)
    }

    static func isReady(_ pod: JSON) -> Bool {
        (pod[path: ["status", "conditions"]]?.array ?? []).contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
    }

    /// The budgets in the pod's namespace whose selector matches it; an empty or invalid selector matches
    /// nothing here (upstream's `getPodDisruptionBudgets`).
    func podDisruptionBudgets(for pod: JSON) async throws -> [JSON] {
        let page = try await pdbStore.list(namespace: pod.metaNamespace, filter: nil, limit: 0, continueToken: nil, revision: nil)
        let labels = pod[path: ["metadata", "labels"]]?.stringMap ?? [:]
        return page.items.filter { pdb in
            guard let sel = try? LabelSelector(labelSelector: pdb[path: ["spec", "selector"]]) else { return false }
            return !sel.isEverything && sel.matches(labels)
        }
    }

    /// 429 while the budget's status has not caught up with its spec, or an unready pod's delete raced.
    static func budgetStillProcessing(_ name: String) -> APIError {
        APIError(code: 429, reason: "TooManyRequests", message: evictionDenied, details: [
            "causes": [["reason": "DisruptionBudget", "message": .string("The disruption budget \(name) is still being processed by the server.")]],
            "retryAfterSeconds": 10,
        ])
    }

    /// Spends one allowed disruption of `pdb` on `podName`, or refuses (upstream's `checkAndDecrement`).
    /// The status write is guarded by the budget's resourceVersion: a 409 means someone else wrote it
    /// first, and the caller tries again with the fresh budget.
    func checkAndDecrement(_ pdb: JSON, podName: String, dryRun: Bool) async throws {
        let name = pdb.metaName ?? ""
        var status = pdb["status"] ?? [:]
        let generation = pdb[path: ["metadata", "generation"]]?.int ?? 0
        if status["observedGeneration"]?.int ?? 0 < generation {
            throw Self.budgetStillProcessing(name)
        }
        let allowed = status["disruptionsAllowed"]?.int ?? 0
        let forbidden = { (why: String) in
            APIError(code: 403, reason: "Forbidden", message: "poddisruptionbudget.policy \(GoQuoting.quote(name)) is forbidden: \(why)",
                     details: ["name": .string(name), "group": "policy", "kind": "poddisruptionbudget"])
        }
        if allowed < 0 { throw forbidden("pdb disruptions allowed is negative") }
        var disrupted = status["disruptedPods"]?.object ?? [:]
        if disrupted.count > Self.maxDisruptedPods {
            throw forbidden("DisruptedPods map too big - too many evictions not confirmed by PDB controller")
        }
        if allowed == 0 {
            let desired = status["desiredHealthy"]?.int ?? 0, current = status["currentHealthy"]?.int ?? 0
            throw APIError(code: 429, reason: "TooManyRequests", message: Self.evictionDenied, details: [
                "causes": [["reason": "DisruptionBudget",
                            "message": .string("The disruption budget \(name) needs \(desired) healthy pods and has \(current) currently")]],
            ])
        }
        status["disruptionsAllowed"] = .int(allowed - 1)
        if allowed - 1 == 0 { DisruptionAllowedCondition.update(&status, now: Date()) }
        if dryRun { return }
        disrupted[podName] = .string(RFC3339.time())
        status["disruptedPods"] = .object(disrupted)
        var next = pdb
        next["status"] = status
        let rv = Int64(pdb.metaResourceVersion ?? "") ?? 0
        _ = try await pdbStore.update(next, expectedRevision: rv)
    }

    /// Marks the pod with the DisruptionTarget condition, then deletes it with `options` (upstream's
    /// `addConditionAndDeletePod`). The preconditions are checked against the pod the condition is
    /// written to; a resourceVersion precondition then moves to the version that write made.
    func addConditionAndDelete(_ ctx: RequestContext, podName: String, options: DeleteOptions, dryRun: Bool) async throws {
        var options = options
        var deleteRequest = APIRequest(method: "DELETE", path: ctx.request.path, query: dryRun ? "dryRun=All" : nil, headers: [:], body: Data())
        deleteRequest.user = ctx.request.user
        let deleteCtx = RequestContext(request: deleteRequest, ri: ctx.ri, info: ctx.info, store: ctx.store, strategy: ctx.strategy)
        if !dryRun {
            let updated = try await ctx.store.guaranteedUpdate(namespace: ctx.namespace, name: podName) { latest in
                if let uid = options.preconditionUID, !uid.isEmpty, uid != latest.metaUID {
                    throw APIError.conflict("Pod", name: podName, group: "", resource: "Pod",
                                            detail: "the UID in the precondition (\(uid)) does not match the UID in record (\(latest.metaUID ?? "")). The object might have been deleted and then recreated")
                }
                if let rv = options.preconditionRV, !rv.isEmpty, rv != latest.metaResourceVersion {
                    throw APIError.conflict("Pod", name: podName, group: "", resource: "Pod",
                                            detail: "the ResourceVersion in the precondition (\(rv)) does not match the ResourceVersion in record (\(latest.metaResourceVersion ?? "")). The object might have been modified")
                }
                return Self.withDisruptionTarget(latest)
            }
            if options.preconditionRV != nil { options.preconditionRV = updated.object.metaResourceVersion }
        }
        _ = try await deleteObject(deleteCtx, name: podName, options: options)
    }

    /// The pod with condition DisruptionTarget=True, reason EvictionByEvictionAPI (upstream's
    /// `UpdatePodCondition`: the transition time moves only when the status changes).
    static func withDisruptionTarget(_ pod: JSON) -> JSON {
        var next = pod
        var conditions = pod[path: ["status", "conditions"]]?.array ?? []
        let now = JSON.string(RFC3339.time())
        var condition: JSON = ["type": "DisruptionTarget", "status": "True", "lastProbeTime": .null, "lastTransitionTime": now,
                               "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting"]
        if let i = conditions.firstIndex(where: { $0["type"]?.string == "DisruptionTarget" }) {
            if conditions[i]["status"]?.string == "True" { condition["lastTransitionTime"] = conditions[i]["lastTransitionTime"] ?? now }
            condition["lastProbeTime"] = conditions[i]["lastProbeTime"] ?? .null
            conditions[i] = condition
        } else {
            conditions.append(condition)
        }
        next[path: ["status", "conditions"]] = .array(conditions)
        return next
    }
}
