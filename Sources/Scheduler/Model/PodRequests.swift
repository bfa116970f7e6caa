import APIMachinery
/// One container's requests as the pod-request rule needs them.
struct ContainerRequests: Sendable {
    var requests: [String: Quantity]
    /// An init container with `restartPolicy: Always` (a sidecar): it keeps running beside the app containers.
    var restartable = false
}

/// Upstream's effective pod request (`resourcehelper.PodRequests`, component-helpers), on exact quantities:
///
/// - app containers are summed, and sidecars (restartable init containers) are added to that sum;
/// - each ordinary init container runs alone, beside the sidecars started before it, so the pod needs at
///   least `max(init[i] + sidecars before i)` of every resource;
/// - the pod's request is the larger of the two, per resource, plus the runtime-class overhead.
///
/// `nonMissing` gives defaults for containers that leave a resource out (the scheduler scores best-effort
/// containers as 100m cpu / 200Mi memory); a request explicitly set to zero stays zero, as upstream.
enum PodRequests {
    static func effective(containers: [ContainerRequests], initContainers: [ContainerRequests],
                          overhead: [String: Quantity], nonMissing: [String: Quantity] = [:]) -> [String: Quantity] {
        var reqs: [String: Quantity] = [:]
        for c in containers { add(&reqs, applying(nonMissing, to: c.requests)) }

        var sidecars: [String: Quantity] = [:]
        var initMax: [String: Quantity] = [:]
        for c in initContainers {
            let own = applying(nonMissing, to: c.requests)
            let inUse: [String: Quantity]
            if c.restartable {
                add(&reqs, own)
                add(&sidecars, own)
                inUse = sidecars
            } else {
                var tmp = own
                add(&tmp, sidecars)
                inUse = tmp
            }
            for (name, q) in inUse where q > initMax[name, default: .zero] || initMax[name] == nil {
                initMax[name] = q
            }
        }
        for (name, q) in initMax where q > reqs[name, default: .zero] || reqs[name] == nil {
            reqs[name] = q
        }
        add(&reqs, overhead)
        return reqs
    }

    private static func applying(_ nonMissing: [String: Quantity], to requests: [String: Quantity]) -> [String: Quantity] {
        guard !nonMissing.isEmpty else { return requests }
        var out = requests
        for (name, q) in nonMissing where requests[name] == nil { out[name] = q }
        return out
    }

    private static func add(_ into: inout [String: Quantity], _ other: [String: Quantity]) {
        for (name, q) in other { into[name] = into[name, default: .zero] + q }
    }
}
