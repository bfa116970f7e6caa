import APIMachinery
import Foundation

/// A Job's `status` while a sync works on it: the counters and lists as values, written back to JSON
/// with upstream's field presence (`ready` and `terminating` always, `active`/`succeeded`/`failed` only
/// when non-zero, `uncountedTerminatedPods` always, as `{}` when empty).
struct JobStatusValue: Equatable {
    var active = 0
    var ready = 0
    var terminating = 0
    var succeeded = 0
    var failed = 0
    var startTime: String?
    var completionTime: String?
    var completedIndexes = ""
    /// Present (even empty) exactly when the Job has `backoffLimitPerIndex`, as upstream writes it.
    var failedIndexes: String?
    var uncountedSucceeded: [String] = []
    var uncountedFailed: [String] = []
    var conditions: [JSON] = []
    /// Fields this controller does not manage, kept as they are.
    var rest: JSON = [:]

    init() {}

    init(_ status: JSON?) {
        let s = status ?? [:]
        active = Int(s["active"]?.int ?? 0)
        ready = Int(s["ready"]?.int ?? 0)
        terminating = Int(s["terminating"]?.int ?? 0)
        succeeded = Int(s["succeeded"]?.int ?? 0)
        failed = Int(s["failed"]?.int ?? 0)
        startTime = s["startTime"]?.string
        completionTime = s["completionTime"]?.string
        completedIndexes = s["completedIndexes"]?.string ?? ""
        failedIndexes = s["failedIndexes"]?.string
        uncountedSucceeded = (s[path: ["uncountedTerminatedPods", "succeeded"]]?.array ?? []).compactMap(\.string)
        uncountedFailed = (s[path: ["uncountedTerminatedPods", "failed"]]?.array ?? []).compactMap(\.string)
        conditions = s["conditions"]?.array ?? []
        var rest = s
        for k in ["active", "ready", "terminating", "succeeded", "failed", "startTime", "completionTime", "completedIndexes",
                  "failedIndexes", "uncountedTerminatedPods", "conditions"] { rest[k] = nil }
        self.rest = rest
    }

    var json: JSON {
        var s = rest
        if active > 0 { s["active"] = .int(Int64(active)) }
        s["ready"] = .int(Int64(ready))
        s["terminating"] = .int(Int64(terminating))
        if succeeded > 0 { s["succeeded"] = .int(Int64(succeeded)) }
        if failed > 0 { s["failed"] = .int(Int64(failed)) }
        if let startTime { s["startTime"] = .string(startTime) }
        if let completionTime { s["completionTime"] = .string(completionTime) }
        if !completedIndexes.isEmpty { s["completedIndexes"] = .string(completedIndexes) }
        if let failedIndexes { s["failedIndexes"] = .string(failedIndexes) }
        var uncounted: JSON = [:]
        if !uncountedSucceeded.isEmpty { uncounted["succeeded"] = .array(uncountedSucceeded.map(JSON.string)) }
        if !uncountedFailed.isEmpty { uncounted["failed"] = .array(uncountedFailed.map(JSON.string)) }
        s["uncountedTerminatedPods"] = uncounted
        if !conditions.isEmpty { s["conditions"] = .array(conditions) }
        return s
    }

    func condition(_ type: String) -> JSON? { conditions.first { $0["type"]?.string == type } }

    func hasTrue(_ type: String) -> Bool { condition(type)?["status"]?.string == "True" }

    /// Sets condition `type` (upstream's `ensureJobConditionStatus`): a new condition only when its status
    /// is not False; an existing one replaced when status, reason or message differ. Returns whether it changed.
    @discardableResult
    mutating func ensureCondition(_ c: JobCondition) -> Bool {
        if let i = conditions.firstIndex(where: { $0["type"]?.string == c.type }) {
            let old = conditions[i]
            if old["status"]?.string != c.status || (old["reason"]?.string ?? "") != c.reason || (old["message"]?.string ?? "") != c.message {
                conditions[i] = c.json
                return true
            }
            return false
        }
        guard c.status != "False" else { return false }
        conditions.append(c.json)
        return true
    }
}

/// One Job condition with upstream's reasons and messages.
struct JobCondition: Equatable {
    var type: String
    var status = "True"
    var reason: String
    var message: String
    var time: Date

    var json: JSON {
        let t = JSON.string(RFC3339.time(time))
        return ["type": .string(type), "status": .string(status), "lastProbeTime": t, "lastTransitionTime": t,
                "reason": .string(reason), "message": .string(message)]
    }

    static func backoffLimitExceeded(_ now: Date) -> JobCondition {
        JobCondition(type: "FailureTarget", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", time: now)
    }

    static func deadlineExceeded(_ now: Date) -> JobCondition {
        JobCondition(type: "FailureTarget", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", time: now)
    }

    static func podFailurePolicy(_ message: String, _ now: Date) -> JobCondition {
        JobCondition(type: "FailureTarget", reason: "PodFailurePolicy", message: message, time: now)
    }

    static func maxFailedIndexesExceeded(_ now: Date) -> JobCondition {
        JobCondition(type: "FailureTarget", reason: "MaxFailedIndexesExceeded",
                     message: "Job has exceeded the specified maximal number of failed indexes", time: now)
    }

    static func failedIndexes(_ now: Date) -> JobCondition {
        JobCondition(type: "FailureTarget", reason: "FailedIndexes", message: "Job has failed indexes", time: now)
    }

    /// A rule of `spec.successPolicy` holds: "Matched rules at index N".
    static func successPolicy(_ message: String, _ now: Date) -> JobCondition {
        JobCondition(type: "SuccessCriteriaMet", reason: JobSuccessPolicy.reason, message: message, time: now)
    }

    static func completionsReached(_ now: Date) -> JobCondition {
        JobCondition(type: "SuccessCriteriaMet", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", time: now)
    }

    /// The interim condition's final counterpart: FailureTarget → Failed, SuccessCriteriaMet → Complete.
    func final(_ now: Date) -> JobCondition {
        JobCondition(type: type == "SuccessCriteriaMet" ? "Complete" : "Failed", reason: reason, message: message, time: now)
    }

    init(type: String, status: String = "True", reason: String, message: String, time: Date) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.time = time
    }

    init?(_ json: JSON?) {
        guard let json, let type = json["type"]?.string else { return nil }
        self.type = type
        status = json["status"]?.string ?? ""
        reason = json["reason"]?.string ?? ""
        message = json["message"]?.string ?? ""
        time = json["lastTransitionTime"]?.string.flatMap(RFC3339.parse) ?? Date()
    }
}
