import APIMachinery
import Foundation
import Registry

/// Upstream's ResourceQuota admission on create: a new object that would take a namespace's usage past
/// a quota's `status.hard` is refused with 403, and an admitted one is charged to the quotas at once
/// (their `status.used` written with a resourceVersion guard), so that two creates racing cannot both
/// take the last unit. The resourcequota controller later recomputes the usage from what exists.
extension APIHandler {
    func admitQuota(_ ctx: RequestContext, _ obj: JSON) async throws {
        let group = ctx.info.group, resource = ctx.info.resource
        guard ctx.info.namespaced, QuotaUsage.countedResources.contains(where: { $0.group == group && $0.resource == resource }),
              let quotaStore = store("", "resourcequotas"), let namespace = ctx.ri.namespace else { return }
        let isPod = group.isEmpty && resource == "pods"
        let qualified = group.isEmpty ? resource : "\(resource).\(group)"
        let name = obj.metaName ?? ""
        func forbidden(_ why: String) -> APIError {
            APIError(code: 403, reason: "Forbidden", message: "\(qualified) \(GoQuoting.quote(name)) is forbidden: \(why)",
                     details: ["name": .string(name), "group": .string(group), "kind": .string(resource)])
        }
        let usage = QuotaUsage.usage(group: group, resource: resource, obj, now: Date())
        let chargeable = QuotaUsage.names(group: group, resource: resource)

        for _ in 0..<10 {
            let quotas = try await quotaStore.list(namespace: namespace, filter: nil, limit: 0, continueToken: nil, revision: nil).items
            var charged: [JSON] = []
            for quota in quotas {
                var hard: [String: Quantity] = [:]
                for (k, v) in quota[path: ["status", "hard"]]?.object ?? [:] {
                    if let q = try? Quantity(json: v) { hard[k] = q }
                }
                let restricted = chargeable.intersection(hard.keys)
                guard !restricted.isEmpty else { continue }
                let scopes = quota[path: ["spec", "scopes"]]?.array?.compactMap(\.string) ?? []
                if !scopes.isEmpty && !(isPod && QuotaUsage.pod(obj, matchesScopes: scopes)) { continue }
                let quotaName = quota.metaName ?? ""
                if isPod, let missing = Self.missingPodConstraints(obj, required: restricted) {
                    throw forbidden("failed quota: \(quotaName): must specify \(missing)")
                }
                let usedJSON = quota[path: ["status", "used"]]?.object ?? [:]
                var used: [String: Quantity] = [:]
                for (k, v) in usedJSON {
                    if let q = try? Quantity(json: v) { used[k] = q }
                }
                if restricted.contains(where: { used[$0] == nil }) {
                    throw forbidden("status unknown for quota: \(quotaName), resources: \(restricted.sorted().joined(separator: ","))")
                }
                var requested: [String: Quantity] = [:]
                for n in restricted { if let q = usage[n] { requested[n] = q } }
                if requested.isEmpty { continue }
                var newUsed = used
                for (n, q) in requested { newUsed[n] = used[n]! + q }
                let exceeded = requested.keys.filter { hard[$0]! < newUsed[$0]! }
                if !exceeded.isEmpty {
                    let pick = { (list: [String: Quantity]) in list.filter { exceeded.contains($0.key) } }
                    throw forbidden("exceeded quota: \(quotaName), requested: \(QuotaUsage.pretty(pick(requested))), "
                                    + "used: \(QuotaUsage.pretty(pick(used))), limited: \(QuotaUsage.pretty(pick(hard)))")
                }
                var next = quota
                var nextUsed = usedJSON
                for (n, q) in newUsed where requested[n] != nil { nextUsed[n] = .string(q.description) }
                next[path: ["status", "used"]] = .object(nextUsed)
                charged.append(next)
            }
            if ctx.request.isDryRun || charged.isEmpty { return }
            do {
                for q in charged {
                    _ = try await quotaStore.update(q, expectedRevision: Int64(q.metaResourceVersion ?? "") ?? 0)
                }
                return
            } catch let e as APIError where e.code == 409 {
                // Another write got there first: evaluate again against the fresh quotas. (A quota charged
                // before the conflict keeps its charge until the controller recomputes it.)
                continue
            }
        }
        throw APIError.internalError("resource quota evaluation timed out")
    }

    /// Containers that lack a request or limit a quota makes compulsory (upstream's
    /// `podEvaluator.Constraints`): `requests.cpu for: a,b; limits.memory for: a`, or nil.
    static func missingPodConstraints(_ pod: JSON, required: Set<String>) -> String? {
        let checked = required.intersection(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"])
        guard !checked.isEmpty else { return nil }
        var missing: [String: Set<String>] = [:]
        let containers = (pod[path: ["spec", "containers"]]?.array ?? []) + (pod[path: ["spec", "initContainers"]]?.array ?? [])
        for c in containers {
            let requests = c[path: ["resources", "requests"]]?.object ?? [:], limits = c[path: ["resources", "limits"]]?.object ?? [:]
            for r in checked {
                let present: Bool
                switch r {
                case "cpu", "requests.cpu": present = requests["cpu"] != nil
                case "memory", "requests.memory": present = requests["memory"] != nil
                case "limits.cpu": present = limits["cpu"] != nil
                default: present = limits["memory"] != nil
                }
                if !present { missing[r, default: []].insert(c["name"]?.string ?? "") }
            }
        }
        guard !missing.isEmpty else { return nil }
        return missing.keys.sorted().map { "\($0) for: \(missing[$0]!.sorted().joined(separator: ","))" }.joined(separator: "; ")
    }
}
