import Foundation

/// An apply would change fields other managers own. The server answers it with upstream's 409:
///
///     {"kind": "Status", "status": "Failure", "reason": "Conflict", "code": 409,
///      "message": "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas",
///      "details": {"causes": [{"reason": "FieldManagerConflict",
///                              "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
///                              "field": ".spec.replicas"}]}}
///
/// kubectl recognises the causes and prints its advice on `--force-conflicts`.
public struct ApplyConflictError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Conflict: Sendable, Equatable {
        /// The manager owning the field: name, operation, version (for updaters) and subresource.
        public let owner: ManagedFieldsEntry
        public let path: FieldPath

        /// `.spec.template.spec.containers[name="nginx"].image`
        public var field: String { path.fieldPathString }
        /// `conflict with "kubectl-client-side-apply" using apps/v1`
        public var causeMessage: String { "conflict with \(owner.conflictDescription)" }
    }

    /// Grouped by manager (sorted by identifier), each manager's paths in field order.
    public let conflicts: [Conflict]

    public init(conflicts: [Conflict]) { self.conflicts = conflicts }

    /// Upstream's `getConflictMessage`.
    public var message: String {
        if conflicts.count == 1 {
            let c = conflicts[0]
            return "Apply failed with 1 conflict: conflict with \(c.owner.conflictDescription): \(c.field)"
        }
        var lines: [String] = []
        var i = 0
        while i < conflicts.count {
            let owner = conflicts[i].owner
            lines.append("conflicts with \(owner.conflictDescription):")
            while i < conflicts.count, conflicts[i].owner.identifier == owner.identifier {
                lines.append("- \(conflicts[i].field)")
                i += 1
            }
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    public var description: String { message }

    /// `details.causes`, one per conflicting field.
    public var causes: JSON {
        .array(conflicts.map {
            ["reason": "FieldManagerConflict", "message": .string($0.causeMessage), "field": .string($0.field)]
        })
    }

    /// The 409 Status (`errors.NewApplyConflict`: reason Conflict, details holding only the causes).
    public var apiError: APIError {
        APIError(code: 409, reason: "Conflict", message: message, details: ["causes": causes])
    }

    /// Conflicts from each manager's conflicting field set, in a stable order.
    init(sets: [(owner: ManagedFieldsEntry, fields: FieldSet)]) {
        var list: [Conflict] = []
        for (owner, fields) in sets.sorted(by: { GoText.goLess($0.owner.identifier, $1.owner.identifier) }) {
            for p in fields.paths { list.append(Conflict(owner: owner, path: p)) }
        }
        conflicts = list
    }

    /// The same conflicts without the listed paths.
    func removing(_ allowed: FieldSet) -> ApplyConflictError {
        ApplyConflictError(conflicts: conflicts.filter { !allowed.contains($0.path) })
    }
}
