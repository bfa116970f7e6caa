import APIMachinery

/// A `metav1.LabelSelector` (matchLabels plus matchExpressions) as a matcher.
///
/// Controllers decide ownership by it: a ReplicaSet owns the pods its selector matches, a Deployment the
/// ReplicaSets. Upstream's conversion rules hold: a missing selector matches nothing, an empty one
/// (`{}`) matches everything, and a selector that cannot be converted (an unknown operator, `In`
/// without values) is an error, so the controller does nothing rather than something wrong.
struct LabelSelector: Sendable, Hashable {
    enum Operator: String, Sendable {
        case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
    }

    struct Requirement: Sendable, Hashable {
        var key: String
        var op: Operator
        var values: Set<String>

        func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .in: return labels[key].map { values.contains($0) } ?? false
            case .notIn: return labels[key].map { !values.contains($0) } ?? true
            case .exists: return labels[key] != nil
            case .doesNotExist: return labels[key] == nil
            }
        }
    }

    struct InvalidSelector: Error, CustomStringConvertible {
        var description: String
    }

    /// False for a missing selector: it selects nothing.
    var selectsAnything: Bool
    var requirements: [Requirement]

    static let nothing = LabelSelector(selectsAnything: false, requirements: [])
    static let everything = LabelSelector(selectsAnything: true, requirements: [])

    init(selectsAnything: Bool, requirements: [Requirement]) {
        self.selectsAnything = selectsAnything
        self.requirements = requirements
    }

    /// Converts a JSON `LabelSelector` (upstream's `LabelSelectorAsSelector`).
    init(_ json: JSON?) throws {
        guard let json, !json.isNull else {
            self = .nothing
            return
        }
        var reqs: [Requirement] = []
        for (k, v) in (json["matchLabels"]?.stringMap ?? [:]).sorted(by: { $0.key < $1.key }) {
            reqs.append(Requirement(key: k, op: .in, values: [v]))
        }
        for e in json["matchExpressions"]?.array ?? [] {
            let key = e["key"]?.string ?? ""
            let raw = e["operator"]?.string ?? ""
            guard let op = Operator(rawValue: raw) else {
                throw InvalidSelector(description: "\"\(raw)\" is not a valid label selector operator")
            }
            let values = Set((e["values"]?.array ?? []).compactMap(\.string))
            switch op {
            case .in, .notIn:
                if values.isEmpty { throw InvalidSelector(description: "for 'in', 'notin' operators, values set can't be empty") }
            case .exists, .doesNotExist:
                if !values.isEmpty { throw InvalidSelector(description: "values set must be empty for exists and does not exist") }
            }
            reqs.append(Requirement(key: key, op: op, values: values))
        }
        self.init(selectsAnything: true, requirements: reqs)
    }

    /// True when the selector is `{}`: it selects every object.
    var isEverything: Bool { selectsAnything && requirements.isEmpty }

    func matches(_ labels: [String: String]) -> Bool {
        selectsAnything && requirements.allSatisfy { $0.matches(labels) }
    }

    /// `matchLabels` only, as a `key=value,...` selector (what a Service's `spec.selector` is).
    static func fromMap(_ map: [String: String]) -> LabelSelector {
        LabelSelector(selectsAnything: true, requirements: map.sorted { $0.key < $1.key }.map {
            Requirement(key: $0.key, op: .in, values: [$0.value])
        })
    }
}
