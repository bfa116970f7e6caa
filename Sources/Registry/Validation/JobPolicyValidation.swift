import APIMachinery

/// Upstream's validation of a Job's failure and success policies and of its per-index limits
/// (`validatePodFailurePolicy`, `validateSuccessPolicy`, the `backoffLimitPerIndex` / `maxFailedIndexes`
/// rules of `validateJobSpec`). The Job controller trusts what this lets through: a `FailIndex` rule
/// without a per-index limit, or a success rule naming an index past `completions`, would otherwise reach
/// it as a job that can never finish.
enum JobPolicyValidation {
    static let maxParallelismForIndexedJob: Int64 = 100_000
    static let maxFailedIndexesForIndexedJob: Int64 = 100_000
    static let completionsSoftLimit: Int64 = 100_000
    static let parallelismLimitForHighCompletions: Int64 = 10_000
    static let maxFailedIndexesLimitForHighCompletions: Int64 = 10_000
    static let maxPodFailurePolicyRules = 20
    static let maxOnExitCodesValues = 255
    static let maxOnPodConditionsPatterns = 20
    static let maxSuccessPolicyRules = 20
    static let maxSucceededIndexesBytes = 64 * 1024

    static let actions = ["Count", "FailIndex", "FailJob", "Ignore"]
    static let operators = ["In", "NotIn"]
    static let conditionStatuses = ["False", "True", "Unknown"]

    /// The completion mode and the per-index limits, which only an Indexed job has.
    static func validateCompletionMode(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let perIndex = spec["backoffLimitPerIndex"]?.int, maxFailed = spec["maxFailedIndexes"]?.int
        let completions = spec["completions"]?.int, parallelism = spec["parallelism"]?.int
        if maxFailed != nil, perIndex == nil {
            errs.append(.required(path.child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
        }
        let mode = spec["completionMode"]?.string
        if let mode, mode != "NonIndexed", mode != "Indexed" {
            errs.append(.notSupported(path.child("completionMode"), mode, ["NonIndexed", "Indexed"]))
        }
        if mode == "Indexed" {
            if completions == nil { errs.append(.required(path.child("completions"), "when completion mode is Indexed")) }
            if let p = parallelism, p > maxParallelismForIndexedJob {
                errs.append(.invalid(path.child("parallelism"), int: p, "must be less than or equal to \(maxParallelismForIndexedJob) when completion mode is Indexed"))
            }
            if let c = completions, let m = maxFailed, m > c {
                errs.append(.invalid(path.child("maxFailedIndexes"), int: m, "must be less than or equal to completions"))
            }
            if let m = maxFailed, m > maxFailedIndexesForIndexedJob {
                errs.append(.invalid(path.child("maxFailedIndexes"), int: m, "must be less than or equal to \(maxFailedIndexesForIndexedJob)"))
            }
            if let c = completions, c > completionsSoftLimit, perIndex != nil {
                let high = "when completions are above \(completionsSoftLimit) and used with backoff limit per index"
                if maxFailed == nil {
                    errs.append(.required(path.child("maxFailedIndexes"), "must be specified when completions is above \(completionsSoftLimit)"))
                }
                if let p = parallelism, p > parallelismLimitForHighCompletions {
                    errs.append(.invalid(path.child("parallelism"), int: p, "must be less than or equal to \(parallelismLimitForHighCompletions) \(high)"))
                }
                if let m = maxFailed, m > maxFailedIndexesLimitForHighCompletions {
                    errs.append(.invalid(path.child("maxFailedIndexes"), int: m, "must be less than or equal to \(maxFailedIndexesLimitForHighCompletions) \(high)"))
                }
            }
        } else if mode == nil || mode == "NonIndexed" {
            if let b = perIndex { errs.append(.invalid(path.child("backoffLimitPerIndex"), int: b, "requires indexed completion mode")) }
            if let m = maxFailed { errs.append(.invalid(path.child("maxFailedIndexes"), int: m, "requires indexed completion mode")) }
        }
        return errs
    }

    // MARK: podFailurePolicy

    static func validatePodFailurePolicy(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        let rules = spec["podFailurePolicy"]?["rules"]?.array ?? []
        let rulesPath = path.child("rules")
        if rules.count > maxPodFailurePolicyRules {
            errs.append(.tooMany(rulesPath, actual: rules.count, max: maxPodFailurePolicyRules))
        }
        let podSpec = spec["template"]?["spec"]
        var containerNames = Set<String>()
        for list in ["containers", "initContainers"] {
            for c in podSpec?[list]?.array ?? [] { containerNames.insert(c["name"]?.string ?? "") }
        }
        for (i, rule) in rules.enumerated() {
            errs += validateRule(rule, rulesPath.index(i), hasPerIndexLimit: spec.has("backoffLimitPerIndex"), containerNames)
        }
        return errs
    }

    private static func validateRule(_ rule: JSON, _ path: FieldPath, hasPerIndexLimit: Bool, _ containerNames: Set<String>) -> [FieldError] {
        var errs: [FieldError] = []
        let actionPath = path.child("action")
        let action = rule["action"]?.string ?? ""
        if action.isEmpty {
            errs.append(.required(actionPath, "valid values: " + goList(actions)))
        } else if action == "FailIndex" {
            if !hasPerIndexLimit { errs.append(.invalid(actionPath, action, "requires the backoffLimitPerIndex to be set")) }
        } else if !actions.contains(action) {
            errs.append(.notSupported(actionPath, action, actions))
        }
        let onExitCodes = rule["onExitCodes"].flatMap { $0.isNull ? nil : $0 }
        let onPodConditions = rule["onPodConditions"]?.array ?? []
        if let onExitCodes { errs += validateOnExitCodes(onExitCodes, path.child("onExitCodes"), containerNames) }
        if !onPodConditions.isEmpty { errs += validateOnPodConditions(onPodConditions, path.child("onPodConditions")) }
        if onExitCodes != nil, !onPodConditions.isEmpty {
            errs.append(FieldError(.invalid, path.description, detail: "specifying both OnExitCodes and OnPodConditions is not supported"))
        }
        if onExitCodes == nil, onPodConditions.isEmpty {
            errs.append(FieldError(.invalid, path.description, detail: "specifying one of OnExitCodes and OnPodConditions is required"))
        }
        return errs
    }

    private static func validateOnPodConditions(_ patterns: [JSON], _ path: FieldPath) -> [FieldError] {
        var errs: [FieldError] = []
        if patterns.count > maxOnPodConditionsPatterns {
            errs.append(.tooMany(path, actual: patterns.count, max: maxOnPodConditionsPatterns))
        }
        for (j, pattern) in patterns.enumerated() {
            let patternPath = path.index(j)
            errs += validateQualifiedName(pattern["type"]?.string ?? "", patternPath.child("type"))
            let status = pattern["status"]?.string ?? ""
            if status.isEmpty {
                errs.append(.required(patternPath.child("status"), "valid values: " + goList(conditionStatuses)))
            } else if !conditionStatuses.contains(status) {
                errs.append(.notSupported(patternPath.child("status"), status, conditionStatuses))
            }
        }
        return errs
    }

    private static func validateOnExitCodes(_ req: JSON, _ path: FieldPath, _ containerNames: Set<String>) -> [FieldError] {
        var errs: [FieldError] = []
        let op = req["operator"]?.string ?? ""
        if op.isEmpty {
            errs.append(.required(path.child("operator"), "valid values: " + goList(operators)))
        } else if !operators.contains(op) {
            errs.append(.notSupported(path.child("operator"), op, operators))
        }
        if let name = req["containerName"]?.string, !containerNames.contains(name) {
            errs.append(.invalid(path.child("containerName"), name, "must be one of the container or initContainer names in the pod template"))
        }
        let values = (req["values"]?.array ?? []).map { $0.int ?? 0 }
        let valuesPath = path.child("values")
        let rendered = "[]int32{" + values.map(String.init).joined(separator: ", ") + "}"
        if values.isEmpty {
            errs.append(.invalid(valuesPath, raw: "[]int32(nil)", "at least one value is required"))
        } else if values.count > maxOnExitCodesValues {
            errs.append(.tooMany(valuesPath, actual: values.count, max: maxOnExitCodesValues))
        }
        var seen = Set<Int64>(), ordered = true
        for (j, v) in values.enumerated() {
            if op == "In", v == 0 { errs.append(.invalid(valuesPath.index(j), int: v, "must not be 0 for the In operator")) }
            if !seen.insert(v).inserted { errs.append(.duplicate(valuesPath.index(j), raw: String(v))) }
            if j > 0, values[j - 1] > v { ordered = false }
        }
        if !ordered { errs.append(.invalid(valuesPath, raw: rendered, "must be ordered")) }
        return errs
    }

    // MARK: successPolicy

    static func validateSuccessPolicy(_ spec: JSON, _ path: FieldPath) -> [FieldError] {
        guard let policy = spec["successPolicy"], !policy.isNull else { return [] }
        guard spec["completionMode"]?.string == "Indexed" else {
            return [.invalid(path, raw: "batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule{...}}", "requires indexed completion mode")]
        }
        var errs: [FieldError] = []
        let rules = policy["rules"]?.array ?? []
        let rulesPath = path.child("rules")
        if rules.isEmpty {
            errs.append(.required(rulesPath, "at least one rules must be specified when the successPolicy is specified"))
        }
        if rules.count > maxSuccessPolicyRules {
            errs.append(.tooMany(rulesPath, actual: rules.count, max: maxSuccessPolicyRules))
        }
        let completions = spec["completions"]?.int ?? 0
        for (i, rule) in rules.enumerated() {
            let rulePath = rulesPath.index(i)
            let indexes = rule["succeededIndexes"]?.string, count = rule["succeededCount"]?.int
            if indexes == nil, count == nil {
                errs.append(.required(rulePath, "at least one of succeededCount or succeededIndexes must be specified"))
            }
            var total: Int64 = 0
            if let indexes {
                let p = rulePath.child("succeededIndexes")
                if indexes.utf8.count > maxSucceededIndexesBytes { errs.append(.tooLong(p, maxBytes: maxSucceededIndexesBytes)) }
                switch IndexIntervals.count(indexes, completions: completions) {
                case .success(let n): total = n
                case .failure(let why): errs.append(.invalid(p, indexes, "error parsing succeededIndexes: \(why.message)"))
                }
            }
            if let count {
                let p = rulePath.child("succeededCount")
                errs += validateNonnegative(count, p)
                if count > completions {
                    errs.append(.invalid(p, int: count, "must be less than or equal to \(completions) (the number of specified completions)"))
                }
                if indexes != nil, count > total {
                    errs.append(.invalid(p, int: count, "must be less than or equal to \(total) (the number of indexes in the specified succeededIndexes field)"))
                }
            }
        }
        return errs
    }

    /// Go's `%q` of a `[]string`: `["a" "b"]`.
    static func goList(_ values: [String]) -> String {
        "[" + values.map(GoSyntax.quote).joined(separator: " ") + "]"
    }
}

/// The compressed index list of `succeededIndexes` ("1,3-5,7"): upstream's `validateIndexesFormat`,
/// which counts the indexes of strictly increasing intervals below `completions`.
enum IndexIntervals {
    struct Problem: Error { let message: String }

    static func count(_ text: String, completions: Int64) -> Result<Int64, Problem> {
        if text.isEmpty { return .success(0) }
        var last: Int64?, total: Int64 = 0
        for interval in text.split(separator: ",", omittingEmptySubsequences: false) {
            let limits = interval.split(separator: "-", omittingEmptySubsequences: false)
            if limits.count > 2 {
                return .failure(Problem(message: "the fragment \(GoSyntax.quote(String(interval))) violates the requirement that an index interval can have at most two parts separated by '-'"))
            }
            var bounds: [Int64] = []
            for limit in limits {
                guard let v = goAtoi(limit) else {
                    return .failure(Problem(message: "cannot convert string to integer for index: \(GoSyntax.quote(String(limit)))"))
                }
                if v >= completions { return .failure(Problem(message: "too large index: \(GoSyntax.quote(String(limit)))")) }
                bounds.append(v)
            }
            let x = bounds[0], y = bounds.last!
            if bounds.count == 2, x >= y { return .failure(Problem(message: "non-increasing order, previous: \(x), current: \(y)")) }
            if let last, last >= x { return .failure(Problem(message: "non-increasing order, previous: \(last), current: \(x)")) }
            total += y - x + 1
            last = y
        }
        return .success(total)
    }

    /// `strconv.Atoi`: an optional sign and decimal digits, nothing else.
    private static func goAtoi(_ s: Substring) -> Int64? {
        var digits = s
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(s)
    }
}
