import Foundation

/// From the metrics' recommendation to the size the controller sets: stabilized over the recent
/// recommendations, limited in rate and clamped to min/max (upstream's `normalizeDesiredReplicas` and
/// `normalizeDesiredReplicasWithBehaviors`), with the AbleToScale and ScalingLimited conditions it
/// reports.
struct ReplicaNormalization: Sendable, Equatable {
    struct Condition: Sendable, Equatable {
        var status: Bool
        var reason: String
        var message: String
    }

    var replicas: Int32
    var ableToScale: Condition
    var scalingLimited: Condition

    static let scaleUpLimitFactor = 2.0
    static let scaleUpLimitMinimum = 4.0

    /// Without `spec.behavior`: the highest recommendation of the downscale window, then at most double
    /// (at least 4) per sync, within min and max.
    static func normalize(history: ScaleHistory, key: String, current: Int32, desired: Int32, min minReplicas: Int32, max maxReplicas: Int32,
                          downscaleWindow: TimeInterval, now: Date) -> ReplicaNormalization {
        let stabilized = history.stabilize(key, desired: desired, window: downscaleWindow, now: now)
        let able = stabilized != desired
            ? Condition(status: true, reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation")
            : Condition(status: true, reason: "ReadyForNewScale", message: "recommended size matches current size")
        let (replicas, reason, message) = convertWithRules(current: current, desired: stabilized, min: minReplicas, max: maxReplicas)
        return ReplicaNormalization(replicas: replicas, ableToScale: able,
                                    scalingLimited: Condition(status: replicas != stabilized, reason: reason, message: message))
    }

    /// upstream's `convertDesiredReplicasWithRules`.
    static func convertWithRules(current: Int32, desired: Int32, min minReplicas: Int32, max maxReplicas: Int32) -> (Int32, String, String) {
        let scaleUpLimit = Int32(max(scaleUpLimitFactor * Double(current), scaleUpLimitMinimum))
        var maximum: Int32, condition: String, reason: String
        if maxReplicas > scaleUpLimit {
            (maximum, condition, reason) = (scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
        } else {
            (maximum, condition, reason) = (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
        }
        if desired < minReplicas {
            return (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
        }
        if desired > maximum { return (maximum, condition, reason) }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range")
    }

    /// With `spec.behavior`: both directions' stabilization windows, then the policies' rate limits.
    static func normalize(history: ScaleHistory, key: String, current: Int32, desired: Int32, min minReplicas: Int32, max maxReplicas: Int32,
                          up: ScalingRules, down: ScalingRules, now: Date) -> ReplicaNormalization {
        let (stabilized, stabilizedReason, stabilizedMessage) = history.stabilize(key, current: current, desired: desired, up: up, down: down, now: now)
        let able = stabilized != desired
            ? Condition(status: true, reason: stabilizedReason, message: stabilizedMessage)
            : Condition(status: true, reason: "ReadyForNewScale", message: "recommended size matches current size")
        var replicas = stabilized
        var reason = "DesiredWithinRange", message = "the desired count is within the acceptable range"
        if stabilized > current {
            let limit = max(history.scaleUpLimit(key, current: current, rules: up, now: now), current)
            var maximum = maxReplicas
            if maximum > limit {
                (maximum, reason, message) = (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
            } else {
                (reason, message) = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
            }
            if stabilized > maximum { replicas = maximum } else { (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range") }
        } else if stabilized < current {
            let limit = min(history.scaleDownLimit(key, current: current, rules: down, now: now), current)
            var minimum = minReplicas
            if minimum < limit {
                (minimum, reason, message) = (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
            } else {
                (reason, message) = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
            }
            if stabilized < minimum { replicas = minimum } else { (reason, message) = ("DesiredWithinRange", "the desired count is within the acceptable range") }
        }
        return ReplicaNormalization(replicas: replicas, ableToScale: able,
                                    scalingLimited: Condition(status: replicas != stabilized, reason: reason, message: message))
    }
}
