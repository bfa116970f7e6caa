import APIMachinery
import Foundation

/// One direction of an HPA's `spec.behavior` (`HPAScalingRules`), with upstream's defaults for what is
/// unset: scale up at once by the larger of 4 pods or 100% per 15 s; scale down after the controller's
/// stabilization window by up to 100% per 15 s.
struct ScalingRules: Sendable, Equatable {
    struct Policy: Sendable, Equatable {
        var type: String
        var value: Int32
        var periodSeconds: Int32
    }

    var stabilizationWindowSeconds: Int32
    var selectPolicy: String
    var policies: [Policy]

    static func scaleUp(_ json: JSON?) -> ScalingRules {
        parse(json, window: 0, policies: [Policy(type: "Pods", value: 4, periodSeconds: 15), Policy(type: "Percent", value: 100, periodSeconds: 15)])
    }

    static func scaleDown(_ json: JSON?, defaultWindow: Int32) -> ScalingRules {
        parse(json, window: defaultWindow, policies: [Policy(type: "Percent", value: 100, periodSeconds: 15)])
    }

    static func parse(_ json: JSON?, window: Int32, policies: [Policy]) -> ScalingRules {
        let parsed = (json?["policies"]?.array ?? []).map {
            Policy(type: $0["type"]?.string ?? "", value: Int32($0["value"]?.int ?? 0), periodSeconds: Int32($0["periodSeconds"]?.int ?? 0))
        }
        return ScalingRules(stabilizationWindowSeconds: json?["stabilizationWindowSeconds"]?.int.map { Int32($0) } ?? window,
                            selectPolicy: json?["selectPolicy"]?.string ?? "Max",
                            policies: parsed.isEmpty ? policies : parsed)
    }

    /// The longest policy period: how long scale events matter.
    var longestPeriod: Int32 { policies.map(\.periodSeconds).max() ?? 0 }
}
