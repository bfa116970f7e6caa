import APIMachinery
import Foundation

/// An HPA's `status.conditions` as upstream's `setConditionInList` keeps them: one per type, in the order
/// first set, the transition time moving only when the status changes.
struct HPAConditions: Sendable {
    var list: [JSON]
    let now: String

    init(_ existing: JSON?, now: Date) {
        list = existing?.array ?? []
        self.now = RFC3339.time(now)
    }

    mutating func set(_ type: String, _ status: Bool, _ reason: String, _ message: String) {
        let value = status ? "True" : "False"
        var i = list.firstIndex { $0["type"]?.string == type }
        if i == nil {
            list.append(["type": .string(type)])
            i = list.count - 1
        }
        var c = list[i!]
        if c["status"]?.string != value { c["lastTransitionTime"] = .string(now) }
        c["status"] = .string(value)
        c["reason"] = .string(reason)
        c["message"] = .string(message)
        list[i!] = c
    }
}
