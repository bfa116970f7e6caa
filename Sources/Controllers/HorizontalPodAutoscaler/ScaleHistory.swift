import Foundation
import Synchronization

/// What the HPA controller remembers between syncs of each autoscaler (by key): its recent replica
/// recommendations, for the stabilization windows, and its recent scale events, for the rate limits of
/// `spec.behavior` — upstream keeps the same in memory, so a restarted controller starts afresh.
final class ScaleHistory: Sendable {
    struct Recommendation: Sendable, Equatable {
        var replicas: Int32
        var time: Date
    }

    struct ScaleEvent: Sendable, Equatable {
        var change: Int32
        var time: Date
        var outdated: Bool
    }

    struct State: Sendable {
        var recommendations: [String: [Recommendation]] = [:]
        var scaleUps: [String: [ScaleEvent]] = [:]
        var scaleDowns: [String: [ScaleEvent]] = [:]
    }

    let state = Mutex(State())

    func forget(_ key: String) {
        state.withLock { s in
            s.recommendations[key] = nil
            s.scaleUps[key] = nil
            s.scaleDowns[key] = nil
        }
    }

    /// upstream's `recordInitialRecommendation`: the current size is the first recommendation.
    func recordInitial(_ key: String, current: Int32, now: Date) {
        state.withLock { s in
            if s.recommendations[key] == nil { s.recommendations[key] = [Recommendation(replicas: current, time: now)] }
        }
    }

    /// upstream's `stabilizeRecommendation` (no `behavior`): the highest recommendation within the
    /// downscale window, so a dip does not scale down until it has lasted the whole window.
    func stabilize(_ key: String, desired: Int32, window: TimeInterval, now: Date) -> Int32 {
        state.withLock { s in
            var highest = desired
            var oldIndex: Int? = nil
            let cutoff = now.addingTimeInterval(-window)
            for (i, r) in (s.recommendations[key] ?? []).enumerated() {
                if r.time < cutoff { oldIndex = i } else if r.replicas > highest { highest = r.replicas }
            }
            let record = Recommendation(replicas: desired, time: now)
            if let oldIndex { s.recommendations[key]![oldIndex] = record } else { s.recommendations[key, default: []].append(record) }
            return highest
        }
    }

    /// upstream's `stabilizeRecommendationWithBehaviors`: the recommendation held between the lowest of
    /// the scale-up window and the highest of the scale-down window; with the condition reason and message.
    func stabilize(_ key: String, current: Int32, desired: Int32, up: ScalingRules, down: ScalingRules, now: Date) -> (Int32, String, String) {
        state.withLock { s in
            var upRecommendation = desired, downRecommendation = desired
            let upCutoff = now.addingTimeInterval(-TimeInterval(up.stabilizationWindowSeconds))
            let downCutoff = now.addingTimeInterval(-TimeInterval(down.stabilizationWindowSeconds))
            var oldIndex: Int? = nil
            for (i, r) in (s.recommendations[key] ?? []).enumerated() {
                if r.time > upCutoff { upRecommendation = min(r.replicas, upRecommendation) }
                if r.time > downCutoff { downRecommendation = max(r.replicas, downRecommendation) }
                if r.time < upCutoff && r.time < downCutoff { oldIndex = i }
            }
            var recommendation = current
            if recommendation < upRecommendation { recommendation = upRecommendation }
            if recommendation > downRecommendation { recommendation = downRecommendation }
            let record = Recommendation(replicas: desired, time: now)
            if let oldIndex { s.recommendations[key]![oldIndex] = record } else { s.recommendations[key, default: []].append(record) }
            if desired >= current {
                return (recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
            }
            return (recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
        }
    }

    /// upstream's `getReplicasChangePerPeriod`.
    static func change(within periodSeconds: Int32, _ events: [ScaleEvent], now: Date) -> Int32 {
        let cutoff = now.addingTimeInterval(-TimeInterval(periodSeconds))
        return events.filter { $0.time > cutoff }.reduce(0) { $0 + $1.change }
    }

    /// upstream's `calculateScaleUpLimitWithScalingRules`.
    func scaleUpLimit(_ key: String, current: Int32, rules: ScalingRules, now: Date) -> Int32 {
        if rules.selectPolicy == "Disabled" { return current }
        let (ups, downs) = state.withLock { ($0.scaleUps[key] ?? [], $0.scaleDowns[key] ?? []) }
        var result: Int32 = rules.selectPolicy == "Min" ? .max : .min
        for p in rules.policies {
            let start = current - Self.change(within: p.periodSeconds, ups, now: now) + Self.change(within: p.periodSeconds, downs, now: now)
            let proposed: Int32 = p.type == "Pods" ? start + p.value : Int32((Double(start) * (1 + Double(p.value) / 100)).rounded(.up))
            result = rules.selectPolicy == "Min" ? min(result, proposed) : max(result, proposed)
        }
        return result
    }

    /// upstream's `calculateScaleDownLimitWithBehaviors`.
    func scaleDownLimit(_ key: String, current: Int32, rules: ScalingRules, now: Date) -> Int32 {
        if rules.selectPolicy == "Disabled" { return current }
        let (ups, downs) = state.withLock { ($0.scaleUps[key] ?? [], $0.scaleDowns[key] ?? []) }
        var result: Int32 = rules.selectPolicy == "Min" ? .min : .max
        for p in rules.policies {
            let start = current - Self.change(within: p.periodSeconds, ups, now: now) + Self.change(within: p.periodSeconds, downs, now: now)
            let proposed: Int32 = p.type == "Pods" ? start - p.value : Int32(Double(start) * (1 - Double(p.value) / 100))
            result = rules.selectPolicy == "Min" ? max(result, proposed) : min(result, proposed)
        }
        return result
    }

    /// upstream's `storeScaleEvent` (only with a `behavior`): reuses an outdated slot.
    func storeScaleEvent(_ key: String, up: ScalingRules, down: ScalingRules, from previous: Int32, to new: Int32, now: Date) {
        state.withLock { s in
            func store(_ events: inout [ScaleEvent], change: Int32, longest: Int32) {
                let cutoff = now.addingTimeInterval(-TimeInterval(longest))
                for i in events.indices where events[i].time < cutoff { events[i].outdated = true }
                let event = ScaleEvent(change: change, time: now, outdated: false)
                if let i = events.firstIndex(where: \.outdated) { events[i] = event } else { events.append(event) }
            }
            if new > previous {
                store(&s.scaleUps[key, default: []], change: new - previous, longest: up.longestPeriod)
            } else {
                store(&s.scaleDowns[key, default: []], change: previous - new, longest: down.longestPeriod)
            }
        }
    }
}
