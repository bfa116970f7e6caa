import APIMachinery

/// Leases (coordination.k8s.io/v1): `ValidateLease` (positive duration, non-negative transitions).
public struct LeaseStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        // LeaseSpec is a struct upstream: `spec: {}` is always written.
        object.defaultIfNil("spec", [:])
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = object["spec"], path = FieldPath("spec")
        if let d = spec?["leaseDurationSeconds"]?.int, d <= 0 {
            errs.append(.invalid(path.child("leaseDurationSeconds"), int: d, "must be greater than 0"))
        }
        if let t = spec?["leaseTransitions"]?.int, t < 0 {
            errs.append(.invalid(path.child("leaseTransitions"), int: t, Msg.isNegative))
        }
        if let s = spec?["strategy"]?.string, s != "OldestEmulationVersion" {
            errs.append(.notSupported(path.child("strategy"), s, ["OldestEmulationVersion"]))
        }
        if let holder = spec?["preferredHolder"]?.string, !holder.isEmpty, spec?["strategy"] == nil {
            errs.append(.forbidden(path.child("preferredHolder"), "may only be specified if `strategy` is defined"))
        }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { validate(object) }
}
