import APIMachinery
import Foundation

/// The arithmetic of a PodDisruptionBudget's status (upstream's `getExpectedPodCount`,
/// `buildDisruptedPodMap`, `countHealthyPods` and `updatePdbStatus`), apart from the cache and the API so
/// that it can be checked on its own.
enum DisruptionBudget {
    /// How long a pod the eviction subresource approved may take to be marked for deletion before the
    /// controller stops discounting it (upstream's `DeletionTimeout`).
    static let deletionTimeout: TimeInterval = 2 * 60

    struct InvalidBudget: Error, CustomStringConvertible {
        var description: String
    }

    /// The number of pods the budget expects and how many of them must stay healthy.
    struct Counts: Equatable {
        var expected: Int64
        var desiredHealthy: Int64
        /// Pods without a controller: counted by an integer minAvailable, unknowable for the other forms.
        var unmanaged: [String] = []
    }

    /// `expectedScale` sums the scale of the pods' controllers; it is asked only when the budget needs it
    /// (maxUnavailable, or minAvailable as a percentage), as upstream asks.
    static func counts(_ pdb: JSON, pods: [JSON], expectedScale: () async throws -> (Int64, [String])) async throws -> Counts {
        let spec = pdb["spec"] ?? [:]
        if let maxUnavailable = spec["maxUnavailable"], !maxUnavailable.isNull {
            let (expected, unmanaged) = try await expectedScale()
            let n = try scaledValue(maxUnavailable, total: expected)
            return Counts(expected: expected, desiredHealthy: max(0, expected - n), unmanaged: unmanaged)
        }
        if let minAvailable = spec["minAvailable"], !minAvailable.isNull {
            if let n = minAvailable.int {
                return Counts(expected: Int64(pods.count), desiredHealthy: n)
            }
            let (expected, unmanaged) = try await expectedScale()
            return Counts(expected: expected, desiredHealthy: try scaledValue(minAvailable, total: expected), unmanaged: unmanaged)
        }
        return Counts(expected: 0, desiredHealthy: 0)
    }

    /// An int, or a percentage of `total` rounded up (upstream's `GetScaledValueFromIntOrPercent` with
    /// roundUp, which both budget forms use).
    static func scaledValue(_ v: JSON, total: Int64) throws -> Int64 {
        if let i = v.int { return i }
        guard let s = v.string else { throw InvalidBudget(description: "invalid value for IntOrString: invalid type: neither int nor string") }
        guard s.hasSuffix("%"), let p = Int64(s.dropLast()) else {
            throw InvalidBudget(description: "invalid value for IntOrString: invalid type: string is not a percentage")
        }
        return Int64((Double(p) * Double(total) / 100).rounded(.up))
    }

    /// The entries of `status.disruptedPods` still worth keeping: pods approved for eviction that are
    /// neither marked for deletion yet nor past `deletionTimeout`. Also returns when the earliest kept
    /// entry expires (to look again then) and the pods whose entry expired (upstream warns about them).
    static func disruptedPods(_ pdb: JSON, pods: [JSON], now: Date) -> (kept: [String: String], recheck: Date?, expired: [JSON]) {
        guard let recorded = pdb[path: ["status", "disruptedPods"]]?.object, !recorded.isEmpty else { return ([:], nil, []) }
        var kept: [String: String] = [:]
        var recheck: Date?
        var expired: [JSON] = []
        for pod in pods where !pod.isBeingDeleted {
            guard let stamp = recorded[pod.name]?.string else { continue }
            let since = RFC3339.parse(stamp) ?? .distantPast
            let due = since.addingTimeInterval(deletionTimeout)
            if due < now {
                expired.append(pod)
            } else {
                kept[pod.name] = stamp
                if recheck == nil || due < recheck! { recheck = due }
            }
        }
        return (kept, recheck, expired)
    }

    /// Ready pods that are neither being deleted nor approved for eviction recently (upstream's
    /// `countHealthyPods`).
    static func currentHealthy(_ pods: [JSON], disrupted: [String: String], now: Date) -> Int64 {
        var n: Int64 = 0
        for pod in pods where !pod.isBeingDeleted {
            if let stamp = disrupted[pod.name], let since = RFC3339.parse(stamp), since.addingTimeInterval(deletionTimeout) > now {
                continue
            }
            if PodState.isReady(pod) { n += 1 }
        }
        return n
    }

    /// The status the budget should show, or nil when it already shows it (upstream's `updatePdbStatus`).
    /// No disruption is allowed while the budget expects no pods: a budget whose pods have not been
    /// seen yet must not let their first evictions through.
    static func status(_ pdb: JSON, currentHealthy: Int64, counts: Counts, disrupted: [String: String], now: Date) -> JSON? {
        var allowed = currentHealthy - counts.desiredHealthy
        if counts.expected <= 0 || allowed <= 0 { allowed = 0 }
        let old = pdb["status"] ?? [:]
        let generation = pdb.generation
        let oldDisrupted = old["disruptedPods"]?.object ?? [:]
        if old["currentHealthy"]?.int ?? 0 == currentHealthy, old["desiredHealthy"]?.int ?? 0 == counts.desiredHealthy,
           old["expectedPods"]?.int ?? 0 == counts.expected, old["disruptionsAllowed"]?.int ?? 0 == allowed,
           oldDisrupted.mapValues(\.string) == disrupted.mapValues({ Optional($0) }),
           old["observedGeneration"]?.int ?? 0 == generation, DisruptionAllowedCondition.isUpToDate(pdb) {
            return nil
        }
        var status: JSON = [:]
        if generation != 0 { status["observedGeneration"] = .int(generation) }
        if !disrupted.isEmpty { status["disruptedPods"] = .object(disrupted.mapValues { .string($0) }) }
        status["disruptionsAllowed"] = .int(allowed)
        status["currentHealthy"] = .int(currentHealthy)
        status["desiredHealthy"] = .int(counts.desiredHealthy)
        status["expectedPods"] = .int(counts.expected)
        if let conditions = old["conditions"] { status["conditions"] = conditions }
        DisruptionAllowedCondition.update(&status, now: now)
        return status
    }

    /// The status after a failed sync: nothing may be disrupted, and the condition says why (upstream's
    /// `failSafe`, which keeps the other fields as they were).
    static func failSafeStatus(_ pdb: JSON, error: String, now: Date) -> JSON {
        var status = pdb["status"] ?? [:]
        status["disruptionsAllowed"] = 0
        var conditions = status["conditions"]?.array ?? []
        StatusConditions.set(&conditions, type: DisruptionAllowedCondition.type, status: "False",
                             reason: DisruptionAllowedCondition.syncFailed, message: error,
                             observedGeneration: status["observedGeneration"]?.int ?? 0, now: now)
        status["conditions"] = .array(conditions)
        return status
    }
}
