import APIMachinery
import Foundation

/// A StatefulSet pod's identity and storage: `<set>-<ordinal>`, its hostname and subdomain, its
/// identifying labels, and one PersistentVolumeClaim `<template>-<set>-<ordinal>` per claim template
/// (upstream's `stateful_set_utils.go`).
enum StatefulSetIdentity {
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"
    static let revisionLabel = "controller-revision-hash"

    /// (parent name, ordinal) from `<parent>-<ordinal>`; ordinal -1 when the name has no ordinal.
    static func parentAndOrdinal(_ podName: String) -> (String, Int) {
        guard let dash = podName.lastIndex(of: "-") else { return ("", -1) }
        let digits = podName[podName.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let n = Int(digits), n <= Int(Int32.max) else {
            return ("", -1)
        }
        return (String(podName[..<dash]), n)
    }

    static func ordinal(_ pod: JSON) -> Int { parentAndOrdinal(pod.name).1 }

    static func replicas(_ set: JSON) -> Int { Int(set.integer(at: ["spec", "replicas"], default: 1)) }
    /// `spec.ordinals.start` (StatefulSetStartOrdinal, on by default since 1.27).
    static func startOrdinal(_ set: JSON) -> Int { Int(set.integer(at: ["spec", "ordinals", "start"])) }
    static func endOrdinal(_ set: JSON) -> Int { startOrdinal(set) + replicas(set) - 1 }

    static func inOrdinalRange(_ pod: JSON, _ set: JSON) -> Bool {
        let o = ordinal(pod)
        return o >= startOrdinal(set) && o <= endOrdinal(set)
    }

    static func podName(_ set: JSON, _ ordinal: Int) -> String { "\(set.name)-\(ordinal)" }

    /// The pod's name says it belongs to `set`.
    static func isMember(_ set: JSON, _ pod: JSON) -> Bool {
        let (parent, o) = parentAndOrdinal(pod.name)
        return o >= 0 && parent == set.name
    }

    static func identityMatches(_ set: JSON, _ pod: JSON) -> Bool {
        let (parent, o) = parentAndOrdinal(pod.name)
        return o >= 0 && parent == set.name && pod.name == podName(set, o) && pod.namespace == set.namespace
            && pod.labels[podNameLabel] == pod.name
    }

    /// Name, namespace and the pod-name and pod-index labels (upstream's `updateIdentity`).
    static func updateIdentity(_ set: JSON, _ pod: inout JSON) {
        let o = ordinal(pod)
        let name = podName(set, o)
        pod[path: ["metadata", "name"]] = .string(name)
        pod[path: ["metadata", "namespace"]] = .string(set.namespace)
        pod[path: ["metadata", "labels", podNameLabel]] = .string(name)
        pod[path: ["metadata", "labels", podIndexLabel]] = .string(String(o))
    }

    // MARK: Storage

    static func claimTemplates(_ set: JSON) -> [JSON] { set[path: ["spec", "volumeClaimTemplates"]]?.array ?? [] }

    static func claimName(_ set: JSON, template: JSON, ordinal: Int) -> String {
        "\(template.name)-\(set.name)-\(ordinal)"
    }

    /// The claims `pod` should mount, by template name, in template order (upstream's
    /// `getPersistentVolumeClaims`): the template's metadata and spec, labelled with the set's
    /// `matchLabels`.
    static func claims(_ set: JSON, _ pod: JSON) -> [(template: String, claim: JSON)] {
        let o = ordinal(pod)
        let matchLabels = set[path: ["spec", "selector", "matchLabels"]]?.stringMap ?? [:]
        return claimTemplates(set).map { t in
            var labels = t.labels
            for (k, v) in matchLabels { labels[k] = v }
            var meta: JSON = ["name": .string(claimName(set, template: t, ordinal: o)), "namespace": .string(set.namespace)]
            if !labels.isEmpty { meta["labels"] = .from(labels) }
            if !t.annotations.isEmpty { meta["annotations"] = .from(t.annotations) }
            let claim: JSON = ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": t["spec"] ?? [:]]
            return (t.name, claim)
        }
    }

    /// Every claim template has a volume of its name using the pod's claim.
    static func storageMatches(_ set: JSON, _ pod: JSON) -> Bool {
        let o = ordinal(pod)
        if o < 0 { return false }
        var volumes: [String: JSON] = [:]
        for v in pod[path: ["spec", "volumes"]]?.array ?? [] { if let n = v["name"]?.string { volumes[n] = v } }
        for t in claimTemplates(set) {
            guard let v = volumes[t.name], v[path: ["persistentVolumeClaim", "claimName"]]?.string == claimName(set, template: t, ordinal: o) else {
                return false
            }
        }
        return true
    }

    /// The claim volumes first, then the pod's other volumes (upstream's `updateStorage`).
    static func updateStorage(_ set: JSON, _ pod: inout JSON) {
        let claims = claims(set, pod)
        guard !claims.isEmpty else { return }
        let names = Set(claims.map(\.template))
        var volumes: [JSON] = claims.map { c in
            ["name": .string(c.template), "persistentVolumeClaim": ["claimName": .string(c.claim.name)]]
        }
        for v in pod[path: ["spec", "volumes"]]?.array ?? [] where !names.contains(v["name"]?.string ?? "") { volumes.append(v) }
        pod[path: ["spec", "volumes"]] = .array(volumes)
    }

    // MARK: Pods

    static func revision(_ pod: JSON) -> String { pod.labels[revisionLabel] ?? "" }

    /// A new pod for `ordinal` from `set`'s template (upstream's `newStatefulSetPod`): the template pod,
    /// named and labelled for its ordinal, its hostname the pod name and its subdomain the governing
    /// Service, its claims mounted.
    static func newPod(_ set: JSON, ordinal: Int) throws -> JSON {
        var pod = try PodTemplate.pod(from: set, kind: StatefulSetController.kind, apiVersion: StatefulSetController.apiVersion)
        pod[path: ["metadata", "name"]] = .string(podName(set, ordinal))
        updateIdentity(set, &pod)
        pod[path: ["spec", "hostname"]] = .string(pod.name)
        if let service = set[path: ["spec", "serviceName"]]?.string, !service.isEmpty {
            pod[path: ["spec", "subdomain"]] = .string(service)
        }
        updateStorage(set, &pod)
        return pod
    }

    /// The pod for `ordinal` at the current revision when the rollout has not reached it yet (below the
    /// partition), else at the update revision (upstream's `newVersionedStatefulSetPod`).
    static func newVersionedPod(currentSet: JSON, updateSet: JSON, currentRevision: String, updateRevision: String, ordinal: Int) throws -> JSON {
        let strategy = currentSet[path: ["spec", "updateStrategy"]]
        let rolling = (strategy?["type"]?.string ?? "RollingUpdate") == "RollingUpdate"
        let start = startOrdinal(currentSet)
        let useCurrent: Bool
        if let ru = strategy?["rollingUpdate"], !ru.isNull {
            useCurrent = ordinal < start + Int(ru["partition"]?.int ?? 0)
        } else {
            useCurrent = rolling && ordinal < start + Int(currentSet.integer(at: ["status", "currentReplicas"]))
        }
        var pod = try newPod(useCurrent ? currentSet : updateSet, ordinal: ordinal)
        pod[path: ["metadata", "labels", revisionLabel]] = .string(useCurrent ? currentRevision : updateRevision)
        return pod
    }

    // MARK: Pod state (upstream's helpers of the same names)

    static func isCreated(_ pod: JSON) -> Bool { !PodState.phase(pod).isEmpty }
    static func isPending(_ pod: JSON) -> Bool { PodState.phase(pod) == "Pending" }
    static func isFailed(_ pod: JSON) -> Bool { PodState.phase(pod) == "Failed" }
    static func isSucceeded(_ pod: JSON) -> Bool { PodState.phase(pod) == "Succeeded" }
    static func isTerminating(_ pod: JSON) -> Bool { pod.isBeingDeleted }
    static func isRunningAndReady(_ pod: JSON) -> Bool { PodState.phase(pod) == "Running" && PodState.isReady(pod) }
    static func isRunningAndAvailable(_ pod: JSON, minReadySeconds: Int64, now: Date) -> Bool {
        PodState.isAvailable(pod, minReadySeconds: minReadySeconds, now: now)
    }
    static func isHealthy(_ pod: JSON) -> Bool { isRunningAndReady(pod) && !isTerminating(pod) }
    static func allowsBurst(_ set: JSON) -> Bool { set[path: ["spec", "podManagementPolicy"]]?.string == "Parallel" }
}
