import APIMachinery

/// An Indexed Job's `spec.successPolicy` (upstream's `matchSuccessPolicy`, KEP-3998): the Job succeeds as
/// soon as one rule holds — all of its `succeededIndexes` succeeded, or at least `succeededCount` of them
/// (of all indexes when the rule names none). Then the lingering pods are terminated and the Job gets
/// `SuccessCriteriaMet` and `Complete` with reason `SuccessPolicy`.
enum JobSuccessPolicy {
    static let reason = "SuccessPolicy"

    /// "Matched rules at index N" for the first rule that holds; nil when none does, or when nothing
    /// succeeded yet.
    static func match(_ policy: JSON?, completions: Int, succeeded: CompletedIndexes) -> String? {
        guard let policy, !policy.isNull, succeeded.total > 0 else { return nil }
        for (index, rule) in (policy["rules"]?.array ?? []).enumerated() {
            let count = rule["succeededCount"]?.int.map { Int($0) }
            if let text = rule["succeededIndexes"]?.string {
                let required = CompletedIndexes(parsing: text, completions: completions)
                // A rule whose indexes cannot be read (or lie past completions) never holds.
                guard required.total > 0 else { continue }
                if matchesIndexes(required: required, succeeded: succeeded, count: count) {
                    return "Matched rules at index \(index)"
                }
            } else if let count, succeeded.total >= count {
                return "Matched rules at index \(index)"
            }
        }
        return nil
    }

    /// Every required index succeeded, or at least `count` of them did (upstream's `matchSucceededIndexesRule`).
    static func matchesIndexes(required: CompletedIndexes, succeeded: CompletedIndexes, count: Int?) -> Bool {
        let overlap = required.indexes.intersection(succeeded.indexes).count
        if overlap == required.total { return true }
        if let count { return overlap >= count }
        return false
    }
}
