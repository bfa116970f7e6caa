import APIMachinery

/// Kinds whose `/status` updates have their own validation upstream (`ValidatePodStatusUpdate`,
/// `ValidateDeploymentStatusUpdate`, ...). The generic protocol has only `validateUpdate`, which checks
/// a spec change; handlers serving `/status` should call this instead when a strategy provides it
/// (`(strategy as? StatusValidatingStrategy)?.validateStatusUpdate(new, old: old)`), after
/// `prepareForStatusUpdate` and `validateObjectMetaUpdate`.
public protocol StatusValidatingStrategy: ResourceStrategy {
    func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError]
}
