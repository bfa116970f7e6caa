import Foundation

/// What one object counts against a ResourceQuota (upstream's quota evaluators in
/// pkg/quota/v1/evaluator/core and the generic object-count evaluator), shared by the resourcequota
/// controller, which adds it up per namespace, and quota admission, which checks one new object.
public enum QuotaUsage {
    /// The resources whose objects are counted, as `(group, resource)`; `count/<resource>[.<group>]` names
    /// them in a quota, and the core ones also have a legacy name (`pods`, `services`, ...).
    public static let countedResources: [(group: String, resource: String)] = [
        ("", "pods"), ("", "services"), ("", "configmaps"), ("", "secrets"), ("", "persistentvolumeclaims"),
        ("", "replicationcontrollers"), ("", "resourcequotas"),
        ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"),
        ("batch", "jobs"), ("batch", "cronjobs"),
    ]

    /// Core resources quota also knows by their plain name (`services`, not only `count/services`).
    static let legacyNames: Set<String> = ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers", "resourcequotas"]

    /// `count/pods`, `count/deployments.apps`.
    public static func countName(group: String, resource: String) -> String {
        group.isEmpty ? "count/\(resource)" : "count/\(resource).\(group)"
    }

    /// The quota names the objects of `resource` can be charged under.
    public static func names(group: String, resource: String) -> Set<String> {
        var names: Set<String> = [countName(group: group, resource: resource)]
        if group.isEmpty, legacyNames.contains(resource) { names.insert(resource) }
        switch (group, resource) {
        case ("", "pods"):
            names.formUnion(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
                             "ephemeral-storage", "requests.ephemeral-storage", "limits.ephemeral-storage"])
        case ("", "services"):
            names.formUnion(["services.loadbalancers", "services.nodeports"])
        case ("", "persistentvolumeclaims"):
            names.insert("requests.storage")
        default:
            break
        }
        return names
    }

    /// The usage of one object of `resource` (upstream's `Usage` of its evaluator).
    public static func usage(group: String, resource: String, _ object: JSON, now: Date) -> [String: Quantity] {
        var u: [String: Quantity] = [countName(group: group, resource: resource): Quantity(1)]
        switch (group, resource) {
        case ("", "pods"):
            // count/pods tracks every stored pod; the rest only pods still alive (upstream's `QuotaV1Pod`).
            guard countsAsLive(pod: object, now: now) else { return u }
            u["pods"] = Quantity(1)
            let requests = podResources(object, "requests"), limits = podResources(object, "limits")
            for r in ["cpu", "memory", "ephemeral-storage"] {
                if let q = requests[r] {
                    u[r] = q
                    u["requests.\(r)"] = q
                }
                if let q = limits[r] { u["limits.\(r)"] = q }
            }
        case ("", "services"):
            u["services"] = Quantity(1)
            let type = object[path: ["spec", "type"]]?.string ?? "ClusterIP"
            let ports = Int64(object[path: ["spec", "ports"]]?.array?.count ?? 0)
            u["services.loadbalancers"] = Quantity(type == "LoadBalancer" ? 1 : 0)
            var nodePorts: Int64 = 0
            if type == "NodePort" { nodePorts = ports }
            if type == "LoadBalancer", object[path: ["spec", "allocateLoadBalancerNodePorts"]]?.bool != false { nodePorts = ports }
            u["services.nodeports"] = Quantity(nodePorts)
        case ("", "persistentvolumeclaims"):
            u["persistentvolumeclaims"] = Quantity(1)
            if let s = object[path: ["spec", "resources", "requests", "storage"]], let q = try? Quantity(json: s) {
                u["requests.storage"] = q
            }
        default:
            if group.isEmpty, legacyNames.contains(resource) { u[resource] = Quantity(1) }
        }
        return u
    }

    /// Not finished, and not stuck terminating past its grace period.
    public static func countsAsLive(pod: JSON, now: Date) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.string ?? ""
        if phase == "Succeeded" || phase == "Failed" { return false }
        if let ts = pod[path: ["metadata", "deletionTimestamp"]]?.string, let deletion = RFC3339.parse(ts),
           let grace = pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.int,
           now > deletion.addingTimeInterval(Double(grace)) {
            return false
        }
        return true
    }

    /// A pod's effective requests or limits (upstream's `PodRequests`/`PodLimits`): the sum over app
    /// containers and sidecars, at least the largest regular init container, plus the overhead.
    static func podResources(_ pod: JSON, _ kind: String) -> [String: Quantity] {
        func of(_ c: JSON) -> [String: Quantity] {
            var out: [String: Quantity] = [:]
            for (k, v) in c[path: ["resources", kind]]?.object ?? [:] {
                if let q = try? Quantity(json: v) { out[k] = q }
            }
            return out
        }
        var sum: [String: Quantity] = [:]
        func add(_ r: [String: Quantity], into total: inout [String: Quantity]) {
            for (k, q) in r { total[k] = (total[k] ?? .zero) + q }
        }
        for c in pod[path: ["spec", "containers"]]?.array ?? [] { add(of(c), into: &sum) }
        var sidecars: [String: Quantity] = [:]
        var initPeak: [String: Quantity] = [:]
        for c in pod[path: ["spec", "initContainers"]]?.array ?? [] {
            let r = of(c)
            if c["restartPolicy"]?.string == "Always" {
                add(r, into: &sidecars)
                add(r, into: &sum)
                continue
            }
            // A regular init container runs alone next to the sidecars started before it.
            var peak = sidecars
            add(r, into: &peak)
            for (k, q) in peak where initPeak[k] == nil || initPeak[k]! < q { initPeak[k] = q }
        }
        for (k, q) in initPeak where sum[k] == nil || sum[k]! < q { sum[k] = q }
        if let overhead = pod[path: ["spec", "overhead"]]?.object {
            for (k, v) in overhead {
                if let q = try? Quantity(json: v), sum[k] != nil || kind == "requests" { sum[k] = (sum[k] ?? .zero) + q }
            }
        }
        return sum
    }

    /// Whether a pod falls under a quota's `spec.scopes` (Terminating, NotTerminating, BestEffort,
    /// NotBestEffort); other scopes are not known here and match nothing.
    public static func pod(_ pod: JSON, matchesScopes scopes: [String]) -> Bool {
        for scope in scopes {
            let terminating = (pod[path: ["spec", "activeDeadlineSeconds"]]?.int).map { $0 >= 0 } ?? false
            let bestEffort = isBestEffort(pod)
            switch scope {
            case "Terminating": if !terminating { return false }
            case "NotTerminating": if terminating { return false }
            case "BestEffort": if !bestEffort { return false }
            case "NotBestEffort": if bestEffort { return false }
            default: return false
            }
        }
        return true
    }

    static func isBestEffort(_ pod: JSON) -> Bool {
        let containers = (pod[path: ["spec", "containers"]]?.array ?? []) + (pod[path: ["spec", "initContainers"]]?.array ?? [])
        return containers.allSatisfy { c in
            ["requests", "limits"].allSatisfy { k in
                (c[path: ["resources", k]]?.object ?? [:]).keys.allSatisfy { $0 != "cpu" && $0 != "memory" }
            }
        }
    }

    /// The hard limits of a quota, parsed.
    public static func hard(_ quota: JSON) -> [String: Quantity] {
        var out: [String: Quantity] = [:]
        for (k, v) in quota[path: ["spec", "hard"]]?.object ?? [:] {
            if let q = try? Quantity(json: v) { out[k] = q }
        }
        return out
    }

    /// A resource list as upstream's quota messages print it: `name=value` sorted by name, comma-separated.
    public static func pretty(_ list: [String: Quantity]) -> String {
        list.keys.sorted().map { "\($0)=\(list[$0]!)" }.joined(separator: ",")
    }
}
