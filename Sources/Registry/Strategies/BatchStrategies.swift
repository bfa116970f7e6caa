import APIMachinery
import Foundation

/// Jobs (batch/v1): `SetDefaults_Job`, `jobStrategy` (generated selector and the controller-uid /
/// job-name labels on create, status kept on update) and `ValidateJob` / `ValidateJobUpdate`.
public struct JobStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var initialStatus: JSON { [:] }

    static let controllerUID = "batch.kubernetes.io/controller-uid"
    static let jobName = "batch.kubernetes.io/job-name"
    static let legacyControllerUID = "controller-uid"
    static let legacyJobName = "job-name"

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        JobStrategy.applySpecDefaults(&spec)
        object["spec"] = spec
    }

    static func applySpecDefaults(_ spec: inout JSON) {
        if !spec.has("completions") && !spec.has("parallelism") {
            spec["completions"] = 1
            spec["parallelism"] = 1
        }
        spec.defaultIfNil("parallelism", 1)
        spec.defaultIfNil("backoffLimit", spec.has("backoffLimitPerIndex") ? .int(Int64(Int32.max)) : 6)
        spec.defaultIfNil("completionMode", "NonIndexed")
        spec.defaultIfNil("suspend", false)
        if spec.has("podFailurePolicy") {
            spec.editObject("podFailurePolicy") { p in
                p.editEach("rules") { r in
                    r.editEach("onPodConditions") { c in c.defaultIfZero("status", "True") }
                }
            }
        }
        spec.defaultIfNil("podReplacementPolicy", spec.has("podFailurePolicy") ? "Failed" : "TerminatingOrFailed")
        WorkloadDefaults.applyTemplateDefaults(&spec)
    }

    public func prepareForCreate(_ object: inout JSON) {
        startGeneration(&object)
        // generateSelector: unless the user manages the selector, the job's uid selects its pods.
        if object[path: ["spec", "manualSelector"]]?.bool != true {
            let uid = JSON.string(object[path: ["metadata", "uid"]]?.string ?? "")
            let name = JSON.string(object[path: ["metadata", "name"]]?.string ?? "")
            var labels = object[path: ["spec", "template", "metadata", "labels"]]?.object ?? [:]
            labels[Self.controllerUID] = uid
            labels[Self.jobName] = name
            labels[Self.legacyControllerUID] = uid
            labels[Self.legacyJobName] = name
            object[path: ["spec", "template", "metadata", "labels"]] = .object(labels)
            if !object.has("spec") || !(object["spec"]?.has("selector") ?? false) {
                object[path: ["spec", "selector"]] = ["matchLabels": [Self.controllerUID: uid]]
            } else if var sel = object[path: ["spec", "selector", "matchLabels"]]?.object {
                sel[Self.controllerUID] = uid
                object[path: ["spec", "selector", "matchLabels"]] = .object(sel)
            } else {
                object[path: ["spec", "selector", "matchLabels"]] = [Self.controllerUID: uid]
            }
        }
        // SetDefaults_Job: a job without labels shows its template's labels (upstream defaults them on
        // every read; here once, when created).
        if (object[path: ["metadata", "labels"]]?.object ?? [:]).isEmpty,
            let tl = object[path: ["spec", "template", "metadata", "labels"]], !(tl.object ?? [:]).isEmpty {
            object[path: ["metadata", "labels"]] = tl
        }
    }

    public func validate(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? [:]
        var errs = JobStrategy.validateSpec(spec, FieldPath("spec"), isTemplate: false)
        // An Indexed job's pods are named and hostnamed NAME-INDEX: the last one must still be a DNS label.
        if spec["completionMode"]?.string == "Indexed", let completions = spec["completions"]?.int, completions > 0 {
            let name = object[path: ["metadata", "name"]]?.string ?? ""
            let lastHostname = "\(name)-\(completions - 1)"
            if !isDNS1123Label(lastHostname).isEmpty {
                errs.append(.invalid(FieldPath("metadata", "name"), name, "will not able to create pod with invalid DNS label: \(lastHostname)"))
            }
        }
        return errs
    }

    static func validateSpec(_ spec: JSON, _ path: FieldPath, isTemplate: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        for f in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"] {
            if let v = spec[f]?.int { errs += validateNonnegative(v, path.child(f)) }
        }
        if let a = spec["activeDeadlineSeconds"]?.int, a == 0 {
            errs.append(.invalid(path.child("activeDeadlineSeconds"), int: a, "must be greater than 0"))
        }
        errs += JobPolicyValidation.validateCompletionMode(spec, path)
        let hasFailurePolicy = spec["podFailurePolicy"].map { !$0.isNull } ?? false
        if hasFailurePolicy {
            errs += JobPolicyValidation.validatePodFailurePolicy(spec, path.child("podFailurePolicy"))
        }
        errs += JobPolicyValidation.validateSuccessPolicy(spec, path.child("successPolicy"))
        if let p = spec["podReplacementPolicy"]?.string {
            if hasFailurePolicy, p != "Failed" {
                errs.append(.notSupported(path.child("podReplacementPolicy"), p, ["Failed"]))
            } else if !hasFailurePolicy, p != "TerminatingOrFailed", p != "Failed" {
                errs.append(.notSupported(path.child("podReplacementPolicy"), p, ["Failed", "TerminatingOrFailed"]))
            }
        }
        let template = spec["template"] ?? [:]
        if !isTemplate {
            let selector = spec["selector"]
            if selector == nil || selector!.isNull {
                errs.append(.required(path.child("selector")))
            } else {
                errs += validateLabelSelector(selector, path.child("selector"))
                if let m = try? LabelSelector(labelSelector: selector), !m.matches(template["metadata"]?["labels"]?.stringMap ?? [:]) {
                    errs.append(.invalid(path.child("template", "metadata", "labels"),
                                         raw: GoSyntax.stringMap(template["metadata"]?["labels"]), "`selector` does not match template `labels`"))
                }
            }
        }
        errs += WorkloadValidation.validatePodTemplateSpec(template, path.child("template"))
        // The pod defaults turn a missing restartPolicy into Always, so both mean "not chosen".
        let restart = template["spec"]?["restartPolicy"]?.string ?? ""
        let restartPath = path.child("template", "spec", "restartPolicy")
        if restart == "Always" || restart.isEmpty {
            errs.append(.required(restartPath, #"valid values: "OnFailure", "Never""#))
        } else if restart != "OnFailure" && restart != "Never" {
            errs.append(.notSupported(restartPath, restart, ["OnFailure", "Never"]))
        } else if hasFailurePolicy, restart != "Never" {
            errs.append(.invalid(restartPath, restart, #"only "Never" is supported when podFailurePolicy is specified"#))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs = validate(object)
        let path = FieldPath("spec")
        let spec = object["spec"] ?? [:], oldSpec = old["spec"] ?? [:]
        if !Semantic.equal(spec["selector"], oldSpec["selector"]) {
            errs.append(.invalid(path.child("selector"), raw: GoSyntax.labelSelector(spec["selector"]), Msg.immutable))
        }
        // The template may change only while the job is suspended (upstream: and never started).
        let suspended = oldSpec["suspend"]?.bool == true
        if !suspended, !Semantic.equal(spec["template"], oldSpec["template"]) {
            errs.append(.invalid(path.child("template"), raw: "core.PodTemplateSpec{...}", Msg.immutable))
        }
        if !Semantic.equal(spec["completionMode"], oldSpec["completionMode"]) {
            errs.append(.invalid(path.child("completionMode"), spec["completionMode"]?.string ?? "", Msg.immutable))
        }
        if spec["completionMode"]?.string != "Indexed", !Semantic.equal(spec["completions"], oldSpec["completions"]) {
            errs.append(.invalid(path.child("completions"), int: spec["completions"]?.int ?? 0, Msg.immutable))
        }
        return errs
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["status.successful"] = String(object["status"]?["succeeded"]?.int ?? 0)
        return f
    }
}

/// CronJobs (batch/v1): `SetDefaults_CronJob`, the job template's pod defaults, `ValidateCronJob`.
public struct CronJobStrategy: GenerationalStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public var initialStatus: JSON { [:] }

    public func applyDefaults(_ object: inout JSON) {
        var spec = object["spec"] ?? [:]
        spec.defaultIfZero("concurrencyPolicy", "Allow")
        spec.defaultIfNil("suspend", false)
        spec.defaultIfNil("successfulJobsHistoryLimit", 3)
        spec.defaultIfNil("failedJobsHistoryLimit", 1)
        spec.defaultIfNil("jobTemplate", [:])
        spec.editObject("jobTemplate") { jt in
            jt.defaultIfNil("metadata", [:])
            jt.editObject("metadata") { m in if m["creationTimestamp"] == nil { m["creationTimestamp"] = .null } }
            jt.defaultIfNil("spec", [:])
            jt.editObject("spec") { WorkloadDefaults.applyTemplateDefaults(&$0) }
        }
        object["spec"] = spec
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = object["spec"] ?? [:], path = FieldPath("spec")
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        if name.utf8.count > 52 {
            errs.append(.invalid(FieldPath("metadata", "name"), name, "must be no more than 52 characters"))
        }
        let schedule = spec["schedule"]?.string ?? ""
        if schedule.isEmpty {
            errs.append(.required(path.child("schedule")))
        } else if let why = CronSchedule.problem(schedule) {
            errs.append(.invalid(path.child("schedule"), schedule, why))
        }
        if schedule.contains("TZ=") || schedule.contains("CRON_TZ=") {
            errs.append(.invalid(path.child("schedule"), schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
        }
        if let tz = spec["timeZone"]?.string {
            errs += Self.validateTimeZone(tz, path.child("timeZone"))
        }
        if let p = spec["concurrencyPolicy"]?.string, !["Allow", "Forbid", "Replace"].contains(p) {
            errs.append(.notSupported(path.child("concurrencyPolicy"), p, ["Allow", "Forbid", "Replace"]))
        }
        for f in ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
            if let v = spec[f]?.int { errs += validateNonnegative(v, path.child(f)) }
        }
        errs += JobStrategy.validateSpec(spec["jobTemplate"]?["spec"] ?? [:], path.child("jobTemplate", "spec"), isTemplate: true)
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }

    /// Upstream's `validateTimeZone`: an IANA name from the system's time zone database, not `Local`.
    static func validateTimeZone(_ tz: String, _ path: FieldPath) -> [FieldError] {
        if tz.isEmpty { return [.invalid(path, tz, "timeZone must be nil or non-empty string")] }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-+")
        for part in tz.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." || part == ".." || part.hasPrefix("-") || part.isEmpty || part.count > 14 || !part.allSatisfy(allowed.contains) {
                return [.invalid(path, tz, "unknown time zone \(tz)")]
            }
        }
        if tz.lowercased() == "local" {
            return [.invalid(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")]
        }
        if TimeZone(identifier: tz) == nil { return [.invalid(path, tz, "unknown time zone \(tz)")] }
        return []
    }
}

/// A five-field cron schedule or one of the `@` descriptors (robfig/cron's standard parser).
enum CronSchedule {
    static let descriptors: Set<String> = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]
    static let ranges: [(ClosedRange<Int>, [String: Int])] = [
        (0...59, [:]), (0...23, [:]), (1...31, [:]),
        (1...12, ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]),
        (0...6, ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]),
    ]

    static func problem(_ schedule: String) -> String? {
        var s = schedule.trimmingCharactersWhitespace()
        if s.hasPrefix("TZ=") || s.hasPrefix("CRON_TZ=") {
            guard let space = s.firstIndex(of: " ") else { return "unparseable schedule" }
            s = String(s[space...]).trimmingCharactersWhitespace()
        }
        if s.hasPrefix("@") {
            if descriptors.contains(s) || s.hasPrefix("@every ") { return nil }
            return "unrecognized descriptor: \(s)"
        }
        let fields = s.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 5 else { return "expected exactly 5 fields, found \(fields.count): \(s)" }
        for (field, (range, names)) in zip(fields, ranges) {
            for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                var rangePart = Substring(part)
                if let slash = part.firstIndex(of: "/") {
                    rangePart = part[..<slash]
                    guard let step = Int(part[part.index(after: slash)...]), step > 0 else { return "failed to parse int from \(part)" }
                }
                if rangePart == "*" || rangePart == "?" { continue }
                for bound in rangePart.split(separator: "-", omittingEmptySubsequences: false) {
                    let v = Int(bound) ?? names[bound.lowercased()]
                    guard let v else { return "failed to parse int from \(bound)" }
                    guard range.contains(v) else { return "end of range (\(v)) above maximum (\(range.upperBound)): \(part)" }
                }
            }
        }
        return nil
    }
}

extension String {
    func trimmingCharactersWhitespace() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}
