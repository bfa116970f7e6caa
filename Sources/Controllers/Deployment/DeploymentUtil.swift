import APIMachinery
import Foundation

/// Upstream's `deploymentutil`: the annotations a Deployment keeps on its ReplicaSets, revisions,
/// surge and unavailability arithmetic, and the conditions of its status.
enum DeploymentUtil {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let changeCauseAnnotation = "kubernetes.io/change-cause"
    /// Annotations never copied from a Deployment to its ReplicaSets.
    static let annotationsToSkip: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, revisionHistoryAnnotation,
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]
    /// Upstream's `maxRevHistoryLengthInChars`.
    static let maxRevisionHistoryLength = 2000

    // Condition types and reasons (upstream's names, visible in `kubectl describe` and `rollout status`).
    static let available = "Available"
    static let progressing = "Progressing"
    static let replicaFailure = "ReplicaFailure"
    static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"
    static let newReplicaSetCreated = "NewReplicaSetCreated"
    static let foundNewReplicaSet = "FoundNewReplicaSet"
    static let replicaSetUpdated = "ReplicaSetUpdated"
    static let newReplicaSetAvailable = "NewReplicaSetAvailable"
    static let failedReplicaSetCreate = "ReplicaSetCreateError"
    static let timedOut = "ProgressDeadlineExceeded"
    static let paused = "DeploymentPaused"
    static let resumed = "DeploymentResumed"

    // MARK: Spec

    static func replicas(_ o: JSON) -> Int64 { o.integer(at: ["spec", "replicas"], default: 1) }
    static func statusReplicas(_ o: JSON) -> Int64 { o.integer(at: ["status", "replicas"]) }
    static func availableReplicas(_ o: JSON) -> Int64 { o.integer(at: ["status", "availableReplicas"]) }
    static func readyReplicas(_ o: JSON) -> Int64 { o.integer(at: ["status", "readyReplicas"]) }

    static func strategyType(_ d: JSON) -> String { d[path: ["spec", "strategy", "type"]]?.string ?? "RollingUpdate" }
    static func isRollingUpdate(_ d: JSON) -> Bool { strategyType(d) == "RollingUpdate" }
    static func isPaused(_ d: JSON) -> Bool { d[path: ["spec", "paused"]]?.bool ?? false }

    /// `progressDeadlineSeconds`, nil when unset or MaxInt32 (no deadline).
    static func progressDeadline(_ d: JSON) -> Int64? {
        guard let s = d[path: ["spec", "progressDeadlineSeconds"]]?.int, s != Int64(Int32.max) else { return nil }
        return s
    }

    static func revisionHistoryLimit(_ d: JSON) -> Int64? { d[path: ["spec", "revisionHistoryLimit"]]?.int }

    // MARK: Surge and unavailability

    struct InvalidIntOrPercent: Error, CustomStringConvertible {
        var description: String
    }

    /// An int, or a percentage of `total` rounded up or down (upstream's
    /// `GetScaledValueFromIntOrPercent`).
    static func scaledValue(_ v: JSON?, total: Int64, roundUp: Bool) throws -> Int64 {
        guard let v else { return 0 }
        if let i = v.int { return i }
        guard let s = v.string else { throw InvalidIntOrPercent(description: "invalid type: neither int nor percentage") }
        guard s.hasSuffix("%"), let p = Int64(s.dropLast()) else {
            throw InvalidIntOrPercent(description: "invalid value for IntOrString: invalid type: string is not a percentage")
        }
        let x = Double(total) * Double(p) / 100
        return Int64(roundUp ? x.rounded(.up) : x.rounded(.down))
    }

    /// (maxSurge, maxUnavailable) for `desired` replicas: surge rounds up, unavailability down, and both
    /// zero is made one unavailable so a rollout can progress (upstream's `ResolveFenceposts`).
    static func resolveFenceposts(_ d: JSON, desired: Int64) -> (surge: Int64, unavailable: Int64) {
        let ru = d[path: ["spec", "strategy", "rollingUpdate"]]
        let surge = (try? scaledValue(ru?["maxSurge"] ?? "25%", total: desired, roundUp: true)) ?? 0
        var unavailable = (try? scaledValue(ru?["maxUnavailable"] ?? "25%", total: desired, roundUp: false)) ?? 0
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    static func maxSurge(_ d: JSON) -> Int64 {
        guard isRollingUpdate(d) else { return 0 }
        return resolveFenceposts(d, desired: replicas(d)).surge
    }

    static func maxUnavailable(_ d: JSON) -> Int64 {
        let desired = replicas(d)
        guard isRollingUpdate(d), desired > 0 else { return 0 }
        return min(resolveFenceposts(d, desired: desired).unavailable, desired)
    }

    // MARK: ReplicaSets

    static func revision(_ rs: JSON) -> Int64 { Int64(rs.annotations[revisionAnnotation] ?? "") ?? 0 }

    static func maxRevision(_ rss: [JSON]) -> Int64 { rss.map(revision).max() ?? 0 }

    static func replicaCount(_ rss: [JSON]) -> Int64 { rss.reduce(0) { $0 + replicas($1) } }
    static func actualReplicaCount(_ rss: [JSON]) -> Int64 { rss.reduce(0) { $0 + statusReplicas($1) } }
    static func availableReplicaCount(_ rss: [JSON]) -> Int64 { rss.reduce(0) { $0 + availableReplicas($1) } }
    static func readyReplicaCount(_ rss: [JSON]) -> Int64 { rss.reduce(0) { $0 + readyReplicas($1) } }

    static func active(_ rss: [JSON]) -> [JSON] { rss.filter { replicas($0) > 0 } }

    /// Oldest first, then by name.
    static func byCreation(_ a: JSON, _ b: JSON) -> Bool {
        let ta = a.creationTimestamp ?? .distantPast, tb = b.creationTimestamp ?? .distantPast
        if ta == tb { return a.name < b.name }
        return ta < tb
    }

    /// Larger first; equal sizes newest first.
    static func bySizeNewer(_ a: JSON, _ b: JSON) -> Bool {
        replicas(a) == replicas(b) ? byCreation(b, a) : replicas(a) > replicas(b)
    }

    /// Larger first; equal sizes oldest first.
    static func bySizeOlder(_ a: JSON, _ b: JSON) -> Bool {
        replicas(a) == replicas(b) ? byCreation(a, b) : replicas(a) > replicas(b)
    }

    static func byRevision(_ a: JSON, _ b: JSON) -> Bool {
        let ra = revision(a), rb = revision(b)
        return ra == rb ? byCreation(a, b) : ra < rb
    }

    /// The template without the `pod-template-hash` label, for comparing a Deployment's template with
    /// a ReplicaSet's (upstream's `EqualIgnoreHash`).
    static func templateIgnoringHash(_ t: JSON?) -> JSON? {
        guard var t else { return nil }
        t[path: ["metadata", "labels", PodTemplateHash.label]] = nil
        return t
    }

    static func equalIgnoringHash(_ a: JSON?, _ b: JSON?) -> Bool {
        Semantic.equal(templateIgnoringHash(a), templateIgnoringHash(b))
    }

    /// The ReplicaSet whose template is the Deployment's, the oldest if several (upstream's
    /// `FindNewReplicaSet`).
    static func findNew(_ d: JSON, _ rss: [JSON]) -> JSON? {
        rss.sorted(by: byCreation).first { equalIgnoringHash($0[path: ["spec", "template"]], d[path: ["spec", "template"]]) }
    }

    /// Every other ReplicaSet (upstream's `FindOldReplicaSets`' second result).
    static func findOld(_ d: JSON, _ rss: [JSON]) -> [JSON] {
        let newUID = findNew(d, rss)?.uid
        return rss.filter { $0.uid != newUID }
    }

    // MARK: Annotations

    /// Copies the Deployment's annotations (but the skipped ones) onto `rs`; true if any changed.
    static func copyAnnotations(from d: JSON, to rs: inout JSON) -> Bool {
        var changed = false
        var annotations = rs.annotations
        for (k, v) in d.annotations where !annotationsToSkip.contains(k) && annotations[k] != v {
            annotations[k] = v
            changed = true
        }
        if changed { rs[path: ["metadata", "annotations"]] = .from(annotations) }
        return changed
    }

    static func setAnnotation(_ o: inout JSON, _ key: String, _ value: String?) {
        var a = o.annotations
        a[key] = value
        o[path: ["metadata", "annotations"]] = a.isEmpty ? nil : .from(a)
    }

    /// Upstream's `SetNewReplicaSetAnnotations`: copied annotations, the new revision (remembering the
    /// one it replaces in the revision history when a ReplicaSet is reused by a rollback), and for a
    /// ReplicaSet about to be created the desired/max replica annotations.
    static func setNewReplicaSetAnnotations(_ d: JSON, _ rs: inout JSON, newRevision: Int64, exists: Bool) -> Bool {
        var changed = copyAnnotations(from: d, to: &rs)
        let oldText = rs.annotations[revisionAnnotation]
        var oldRevision: Int64 = 0
        if let oldText {
            guard let r = Int64(oldText) else { return false }
            oldRevision = r
        }
        if oldRevision < newRevision {
            setAnnotation(&rs, revisionAnnotation, String(newRevision))
            changed = true
            if let oldText {
                let history = rs.annotations[revisionHistoryAnnotation] ?? ""
                if history.isEmpty {
                    setAnnotation(&rs, revisionHistoryAnnotation, oldText)
                } else {
                    var old = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    var total = history.count + oldText.count + 1
                    var start = 0
                    while total > maxRevisionHistoryLength && start < old.count {
                        total -= old[start].count + 1
                        start += 1
                    }
                    if total <= maxRevisionHistoryLength {
                        old = Array(old[start...]) + [oldText]
                        setAnnotation(&rs, revisionHistoryAnnotation, old.joined(separator: ","))
                    }
                }
            }
        }
        if !exists && setReplicasAnnotations(&rs, desired: replicas(d), max: replicas(d) + maxSurge(d)) {
            changed = true
        }
        return changed
    }

    @discardableResult
    static func setReplicasAnnotations(_ rs: inout JSON, desired: Int64, max: Int64) -> Bool {
        var changed = false
        if rs.annotations[desiredReplicasAnnotation] != String(desired) {
            setAnnotation(&rs, desiredReplicasAnnotation, String(desired))
            changed = true
        }
        if rs.annotations[maxReplicasAnnotation] != String(max) {
            setAnnotation(&rs, maxReplicasAnnotation, String(max))
            changed = true
        }
        return changed
    }

    static func replicasAnnotationsNeedUpdate(_ rs: JSON, desired: Int64, max: Int64) -> Bool {
        rs.annotations[desiredReplicasAnnotation] != String(desired) || rs.annotations[maxReplicasAnnotation] != String(max)
    }

    static func desiredReplicasAnnotation(_ rs: JSON) -> Int64? { Int64(rs.annotations[desiredReplicasAnnotation] ?? "") }
    static func maxReplicasAnnotation(_ rs: JSON) -> Int64? { Int64(rs.annotations[maxReplicasAnnotation] ?? "") }

    // MARK: Conditions

    static func condition(_ status: JSON?, _ type: String) -> JSON? {
        (status?["conditions"]?.array ?? []).first { $0["type"]?.string == type }
    }

    static func newCondition(_ type: String, _ status: String, _ reason: String, _ message: String, now: Date) -> JSON {
        let t = JSON.string(RFC3339.time(now))
        return ["type": .string(type), "status": .string(status), "lastUpdateTime": t, "lastTransitionTime": t,
                "reason": .string(reason), "message": .string(message)]
    }

    /// Upstream's `SetDeploymentCondition`: same status and reason is no change; same status keeps the
    /// transition time.
    static func setCondition(_ status: inout JSON, _ cond: JSON) {
        var cond = cond
        let type = cond["type"]?.string ?? ""
        if let current = condition(status, type) {
            if current["status"] == cond["status"] && current["reason"] == cond["reason"] { return }
            if current["status"] == cond["status"] { cond["lastTransitionTime"] = current["lastTransitionTime"] }
        }
        var list = (status["conditions"]?.array ?? []).filter { $0["type"]?.string != type }
        list.append(cond)
        status["conditions"] = .array(list)
    }

    static func removeCondition(_ status: inout JSON, _ type: String) {
        let list = (status["conditions"]?.array ?? []).filter { $0["type"]?.string != type }
        status["conditions"] = list.isEmpty ? nil : .array(list)
    }

    // MARK: Progress

    static func statusField(_ s: JSON, _ f: String) -> Int64 { s[f]?.int ?? 0 }

    /// Every replica updated and available, and the status is of the current generation.
    static func isComplete(_ d: JSON, _ s: JSON) -> Bool {
        let want = replicas(d)
        return statusField(s, "updatedReplicas") == want && statusField(s, "replicas") == want
            && statusField(s, "availableReplicas") == want && statusField(s, "observedGeneration") >= d.generation
    }

    /// The rollout moved since the Deployment's current status (upstream's `DeploymentProgressing`).
    static func isProgressing(_ d: JSON, _ s: JSON) -> Bool {
        let old = d["status"] ?? [:]
        let oldOld = statusField(old, "replicas") - statusField(old, "updatedReplicas")
        let newOld = statusField(s, "replicas") - statusField(s, "updatedReplicas")
        return statusField(s, "updatedReplicas") > statusField(old, "updatedReplicas") || newOld < oldOld
            || statusField(s, "readyReplicas") > statusField(old, "readyReplicas")
            || statusField(s, "availableReplicas") > statusField(old, "availableReplicas")
    }

    /// The Progressing condition was last updated longer than the deadline ago.
    static func isTimedOut(_ d: JSON, _ s: JSON, now: Date) -> Bool {
        guard let deadline = progressDeadline(d), let c = condition(s, progressing) else { return false }
        let reason = c["reason"]?.string ?? ""
        if reason == newReplicaSetAvailable { return false }
        if reason == timedOut { return true }
        guard let from = c["lastUpdateTime"]?.string.flatMap(RFC3339.parse) else { return false }
        return from.addingTimeInterval(Double(deadline)) < now
    }
}
