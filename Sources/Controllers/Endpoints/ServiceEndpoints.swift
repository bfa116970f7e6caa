import APIMachinery
import Client

/// What the Endpoints and EndpointSlice controllers share: which pods back a Service, which of them
/// count, and which pod port a service port reaches (upstream's `endpointutil` and `podutil.FindPort`).
enum ServiceEndpoints {
    /// The Service's selector, nil when it has none (such Services get endpoints from someone else).
    static func selector(_ svc: JSON) -> LabelSelector? {
        guard let sel = svc[path: ["spec", "selector"]], !sel.isNull else { return nil }
        return LabelSelector(matchLabels: sel.stringMap)
    }

    static func isExternalName(_ svc: JSON) -> Bool { svc[path: ["spec", "type"]]?.string == "ExternalName" }
    static func isHeadless(_ svc: JSON) -> Bool { svc[path: ["spec", "clusterIP"]]?.string == "None" }
    static func publishNotReady(_ svc: JSON) -> Bool { svc[path: ["spec", "publishNotReadyAddresses"]]?.bool ?? false }

    /// The pods selected by `svc`, by name.
    static func pods(for svc: JSON, in informer: Informer) -> [JSON] {
        guard let sel = selector(svc) else { return [] }
        return ((try? informer.store.byIndex(Indexer.namespaceIndex, svc.namespace)) ?? [])
            .filter { sel.matches($0.labels) }
            .sorted { $0.name < $1.name }
    }

    /// Keys of the Services in the pod's namespace whose selector matches `labels`.
    static func serviceKeys(namespace: String, labels: [String: String], in services: Informer) -> [String] {
        ((try? services.store.byIndex(Indexer.namespaceIndex, namespace)) ?? []).compactMap { svc in
            guard let sel = selector(svc), sel.matches(labels) else { return nil }
            return svc.key
        }
    }

    /// Upstream's `ShouldPodBeInEndpoints`: it has an IP, is not terminating (unless asked), and can
    /// still run according to its restart policy.
    static func shouldInclude(_ pod: JSON, includeTerminating: Bool) -> Bool {
        if PodState.ips(pod).isEmpty { return false }
        if !includeTerminating && pod.isBeingDeleted { return false }
        let phase = PodState.phase(pod)
        switch pod[path: ["spec", "restartPolicy"]]?.string ?? "Always" {
        case "Never": return phase != "Failed" && phase != "Succeeded"
        case "OnFailure": return phase != "Succeeded"
        default: return true
        }
    }

    /// The pod IP of the family (`IPv4` / `IPv6`), if it has one.
    static func ip(_ pod: JSON, family: String) -> String? {
        PodState.ips(pod).first { $0.contains(":") == (family == "IPv6") }
    }

    /// The address families the Service uses.
    static func families(_ svc: JSON) -> [String] {
        let f = (svc[path: ["spec", "ipFamilies"]]?.array ?? []).compactMap(\.string)
        return f.isEmpty ? ["IPv4"] : f
    }

    /// The container port a service port's `targetPort` names on `pod`: a number as is, a name looked
    /// up among the containers' ports of the same protocol; nil when the pod has no such port.
    static func findPort(_ pod: JSON, _ servicePort: JSON) -> Int64? {
        let proto = servicePort["protocol"]?.string ?? "TCP"
        let target = servicePort["targetPort"] ?? servicePort["port"]
        if let n = target?.int { return n }
        guard let name = target?.string else { return nil }
        if let n = Int64(name) { return n }
        let containers = (pod[path: ["spec", "containers"]]?.array ?? [])
            + (pod[path: ["spec", "initContainers"]]?.array ?? []).filter { $0["restartPolicy"]?.string == "Always" }
        for c in containers {
            for p in c["ports"]?.array ?? [] where p["name"]?.string == name && (p["protocol"]?.string ?? "TCP") == proto {
                return p["containerPort"]?.int
            }
        }
        return nil
    }

    /// The pod's `hostname` is published when its `subdomain` is this Service.
    static func hostname(_ pod: JSON, _ svc: JSON) -> String? {
        guard let h = pod[path: ["spec", "hostname"]]?.string, !h.isEmpty,
              pod[path: ["spec", "subdomain"]]?.string == svc.name, pod.namespace == svc.namespace else { return nil }
        return h
    }

    static func targetRef(_ pod: JSON) -> JSON {
        ["kind": "Pod", "namespace": .string(pod.namespace), "name": .string(pod.name), "uid": .string(pod.uid)]
    }
}
