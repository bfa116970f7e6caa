import APIMachinery

/// Upstream's `LimitRanger` admission plugin as pure functions over the object and the namespace's
/// LimitRanges (the API server lists those): the mutating half gives a new pod's containers the
/// `Container` items' `default` limits and `defaultRequest` requests and says so in an annotation; the
/// validating half refuses pods and claims outside the items' bounds, with upstream's messages, so that
/// what a namespace's administrator promised holds however the object was written.
///
/// As upstream (v1.32), pods are judged only when created (their containers' resources cannot change
/// afterwards), claims when created and updated, and an object already being deleted is let through.
public enum LimitRanger {
    public static let annotation = "kubernetes.io/limit-ranger"

    /// Whether the plugin looks at this request at all (upstream's `SupportsAttributes` and its
    /// deletion check): `old` is the stored object on an update, nil on a create.
    public static func applies(group: String, resource: String, subresource: String?, old: JSON?) -> Bool {
        guard group.isEmpty, subresource == nil || subresource == "" else { return false }
        if let deleted = old?[path: ["metadata", "deletionTimestamp"]], !deleted.isNull { return false }
        switch resource {
        case "pods": return old == nil
        case "persistentvolumeclaims": return true
        default: return false
        }
    }

    // MARK: Mutating

    /// `PodMutateLimitFunc` for each LimitRange in turn: missing limits and requests are filled in from
    /// the `Container` items (later items win for the same resource), and the annotation lists what was
    /// set; a later LimitRange that sets something replaces the annotation, as upstream's does.
    public static func applyDefaults(toPod pod: inout JSON, limitRanges: [JSON]) {
        for range in limitRanges {
            var defaultLimits: [String: JSON] = [:], defaultRequests: [String: JSON] = [:]
            for item in range[path: ["spec", "limits"]]?.array ?? [] where item["type"]?.string == "Container" {
                for (k, v) in item["defaultRequest"]?.object ?? [:] { defaultRequests[k] = v }
                for (k, v) in item["default"]?.object ?? [:] { defaultLimits[k] = v }
            }
            var notes: [String] = []
            for (key, label) in [("containers", "container"), ("initContainers", "init container")] {
                guard var list = pod[path: ["spec", key]]?.array else { continue }
                for i in list.indices {
                    notes += fill(&list[i], limits: defaultLimits, requests: defaultRequests, label: label)
                }
                pod[path: ["spec", key]] = .array(list)
            }
            if !notes.isEmpty {
                pod[path: ["metadata", "annotations", annotation]] = .string("LimitRanger plugin set: " + notes.joined(separator: "; "))
            }
        }
    }

    /// One container's missing entries; returns the annotation's phrases for it (requests first).
    private static func fill(_ container: inout JSON, limits: [String: JSON], requests: [String: JSON], label: String) -> [String] {
        let name = container["name"]?.string ?? ""
        var notes: [String] = []
        for (field, defaults, noun) in [("requests", requests, "request"), ("limits", limits, "limit")] {
            var current = container[path: ["resources", field]]?.object ?? [:]
            let missing = defaults.keys.filter { current[$0] == nil }.sorted()
            guard !missing.isEmpty else { continue }
            for k in missing { current[k] = defaults[k] }
            container[path: ["resources", field]] = .object(current)
            notes.append("\(missing.joined(separator: ", ")) \(noun) for \(label) \(name)")
        }
        return notes
    }

    // MARK: Validating

    /// The refusal for `object` under the first LimitRange it breaks (upstream's aggregate of that range's
    /// messages), or nil when it complies with all of them. `resource` is `pods` or `persistentvolumeclaims`.
    public static func violation(resource: String, object: JSON, limitRanges: [JSON]) -> String? {
        for range in limitRanges {
            let items = range[path: ["spec", "limits"]]?.array ?? []
            let messages = resource == "pods" ? podViolations(object, items) : claimViolations(object, items)
            if let message = aggregate(messages) { return message }
        }
        return nil
    }

    /// `PodValidateLimitFunc`: each container and init container against `Container` items, the pod's
    /// totals against `Pod` items.
    static func podViolations(_ pod: JSON, _ items: [JSON]) -> [String] {
        var out: [String] = []
        for item in items {
            let kind = item["type"]?.string ?? ""
            switch kind {
            case "Container":
                let containers = (pod[path: ["spec", "containers"]]?.array ?? []) + (pod[path: ["spec", "initContainers"]]?.array ?? [])
                for c in containers {
                    out += check(item, kind, requests: ResourceList(resourceList: c[path: ["resources", "requests"]]),
                                 limits: ResourceList(resourceList: c[path: ["resources", "limits"]]))
                }
            case "Pod":
                out += check(item, kind, requests: PodResourceTotals.requests(pod), limits: PodResourceTotals.limits(pod))
            default:
                continue
            }
        }
        return out
    }

    /// `PersistentVolumeClaimValidateLimitFunc`: only the claim's requests count (a claim's limits are not
    /// user input upstream).
    static func claimViolations(_ claim: JSON, _ items: [JSON]) -> [String] {
        var out: [String] = []
        let requests = ResourceList(resourceList: claim[path: ["spec", "resources", "requests"]])
        for item in items where item["type"]?.string == "PersistentVolumeClaim" {
            let kind = "PersistentVolumeClaim"
            for (k, q) in sortedList(item["min"]) {
                if let m = LimitRangeConstraint.min(kind, k, q, requests: requests, limits: [:]) { out.append(m) }
            }
            for (k, q) in sortedList(item["max"]) {
                if let m = LimitRangeConstraint.maxRequest(kind, k, q, requests: requests) { out.append(m) }
            }
        }
        return out
    }

    /// An item's min, max and ratio over one request/limit pair. Upstream walks Go maps, so the order of
    /// several messages is random there; here it is by resource name.
    private static func check(_ item: JSON, _ kind: String, requests: ResourceList, limits: ResourceList) -> [String] {
        var out: [String] = []
        for (k, q) in sortedList(item["min"]) {
            if let m = LimitRangeConstraint.min(kind, k, q, requests: requests, limits: limits) { out.append(m) }
        }
        for (k, q) in sortedList(item["max"]) {
            if let m = LimitRangeConstraint.max(kind, k, q, requests: requests, limits: limits) { out.append(m) }
        }
        for (k, q) in sortedList(item["maxLimitRequestRatio"]) {
            if let m = LimitRangeConstraint.limitRequestRatio(kind, k, q, requests: requests, limits: limits) { out.append(m) }
        }
        return out
    }

    private static func sortedList(_ json: JSON?) -> [(String, Quantity)] {
        ResourceList(resourceList: json).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// `utilerrors.NewAggregate(errs).Error()`: one message as itself, several (duplicates dropped)
    /// comma-separated in brackets.
    static func aggregate(_ messages: [String]) -> String? {
        var seen = Set<String>(), unique: [String] = []
        for m in messages where seen.insert(m).inserted { unique.append(m) }
        switch unique.count {
        case 0: return nil
        case 1: return unique[0]
        default: return "[" + unique.joined(separator: ", ") + "]"
        }
    }
}
