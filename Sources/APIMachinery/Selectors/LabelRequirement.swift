/// One clause of a label selector: a key, an operator and its values (upstream's `labels.Requirement`).
public struct LabelRequirement: Sendable, Hashable, CustomStringConvertible {
    /// Upstream's `selection.Operator`; raw values are upstream's operator strings.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case doesNotExist = "!"
        case equals = "="
        case doubleEquals = "=="
        case `in` = "in"
        case notEquals = "!="
        case notIn = "notin"
        case exists = "exists"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public let key: String
    public let `operator`: Operator
    /// The values as given (the query parser sorts and de-duplicates them, as upstream's string set does).
    public let values: [String]

    /// Builds a requirement after upstream's `NewRequirement` checks; throws its aggregated message.
    ///
    /// Field paths in messages are relative to `key` / `values` exactly as upstream prints them without a
    /// base path (`values[0][app]: Invalid value: ...`).
    public init(key: String, operator op: Operator, values: [String]) throws(SelectorParseError) {
        var errors: [String] = []
        let keyErrors = NameValidation.qualifiedNameErrors(key)
        if !keyErrors.isEmpty {
            errors.append("key: Invalid value: \(GoQuoting.quote(key)): " + keyErrors.joined(separator: "; "))
        }
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errors.append("values: Invalid value: \(GoQuoting.stringSlice(values.isEmpty ? nil : values)): for 'in', 'notin' operators, values set can't be empty")
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errors.append("values: Invalid value: \(GoQuoting.stringSlice(values.isEmpty ? nil : values)): exact-match compatibility requires one single value")
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errors.append("values: Invalid value: \(GoQuoting.stringSlice(values)): values set must be empty for exists and does not exist")
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errors.append("values: Invalid value: \(GoQuoting.stringSlice(values.isEmpty ? nil : values)): for 'Gt', 'Lt' operators, exactly one value is required")
            }
            for (i, v) in values.enumerated() where Int64(v) == nil {
                errors.append("values[\(i)]: Invalid value: \(GoQuoting.quote(v)): for 'Gt', 'Lt' operators, the value must be an integer")
            }
        }
        for (i, v) in values.enumerated() {
            let valueErrors = NameValidation.labelValueErrors(v)
            if !valueErrors.isEmpty {
                errors.append("values[\(i)][\(key)]: Invalid value: \(GoQuoting.quote(v)): " + valueErrors.joined(separator: "; "))
            }
        }
        if let message = Self.aggregate(errors) { throw SelectorParseError(message) }
        self.key = key
        self.operator = op
        self.values = values
    }

    /// Skips validation; for selectors built from already validated data (`SelectorFromValidatedSet`).
    init(unchecked key: String, operator op: Operator, values: [String]) {
        self.key = key
        self.operator = op
        self.values = values
    }

    /// Upstream's `utilerrors.NewAggregate(...).Error()`: one message, or "[a, b]" without duplicates.
    static func aggregate(_ messages: [String]) -> String? {
        var seen: [String] = []
        for m in messages where !seen.contains(m) { seen.append(m) }
        switch seen.count {
        case 0: return nil
        case 1: return seen[0]
        default: return "[" + seen.joined(separator: ", ") + "]"
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        switch `operator` {
        case .in, .equals, .doubleEquals:
            guard let v = labels[key] else { return false }
            return values.contains(v)
        case .notIn, .notEquals:
            guard let v = labels[key] else { return true }
            return !values.contains(v)
        case .exists:
            return labels[key] != nil
        case .doesNotExist:
            return labels[key] == nil
        case .greaterThan, .lessThan:
            guard let raw = labels[key], let have = Int64(raw), values.count == 1, let want = Int64(values[0]) else {
                return false
            }
            return `operator` == .greaterThan ? have > want : have < want
        }
    }

    /// Upstream's `Requirement.String()`: `!key`, `key`, `key=v`, `key in (a,b)` (values sorted).
    public var description: String {
        var s = `operator` == .doesNotExist ? "!" + key : key
        switch `operator` {
        case .equals: s += "="
        case .doubleEquals: s += "=="
        case .notEquals: s += "!="
        case .in: s += " in "
        case .notIn: s += " notin "
        case .greaterThan: s += ">"
        case .lessThan: s += "<"
        case .exists, .doesNotExist: return s
        }
        let list = values.count == 1 ? values[0] : values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined(separator: ",")
        if `operator` == .in || `operator` == .notIn { return s + "(" + list + ")" }
        return s + list
    }
}
