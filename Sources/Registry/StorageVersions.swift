import APIMachinery

/// Resources served under more than one group-version share one stored copy, as upstream's storage does:
/// HorizontalPodAutoscalers are stored as autoscaling/v2 and served as v2 and v1; events.k8s.io/v1 Events
/// are the core v1 Events under another shape. Objects are converted to the storage form on write and to
/// the requested form on read.
///
/// What a v1 HPA cannot say is lost when it is written through v1: upstream keeps the v2-only fields
/// (other metrics, behavior, conditions) in annotations; here a v1 update replaces them.
public enum StorageVersions {
    /// The qualified resource naming the store: "horizontalpodautoscalers.autoscaling", "events".
    public static func storageResource(_ info: ResourceInfo) -> String {
        if info.group == "events.k8s.io" && info.resource == "events" { return "events" }
        return info.qualifiedResource
    }

    /// Whether `info` is served from another version's storage (it must not be listed twice where every
    /// stored object is visited, e.g. namespace deletion).
    public static func isAlias(_ info: ResourceInfo) -> Bool {
        (info.group == "events.k8s.io" && info.resource == "events")
            || (info.group == "autoscaling" && info.version == "v1")
    }

    /// The object as stored, from its form in `info`'s version.
    public static func toStorage(_ obj: JSON, _ info: ResourceInfo) -> JSON {
        switch (info.group, info.version, info.resource) {
        case ("autoscaling", "v1", "horizontalpodautoscalers"): return HPAConversion.v1ToV2(obj)
        case ("events.k8s.io", "v1", "events"): return EventConversion.toCore(obj)
        default: return obj
        }
    }

    /// The stored object in `info`'s version.
    public static func fromStorage(_ obj: JSON, _ info: ResourceInfo) -> JSON {
        switch (info.group, info.version, info.resource) {
        case ("autoscaling", "v1", "horizontalpodautoscalers"): return HPAConversion.v2ToV1(obj)
        case ("events.k8s.io", "v1", "events"): return EventConversion.fromCore(obj)
        default: return obj
        }
    }
}

/// autoscaling/v1 ↔ v2 HorizontalPodAutoscaler: `targetCPUUtilizationPercentage` is the v2 CPU
/// utilization metric; the status counters carry over.
enum HPAConversion {
    static func v1ToV2(_ obj: JSON) -> JSON {
        guard obj["apiVersion"]?.string != "autoscaling/v2" else { return obj }
        var out = obj
        out["apiVersion"] = "autoscaling/v2"
        if var spec = obj["spec"], spec.isObject {
            let target = spec["targetCPUUtilizationPercentage"]
            spec["targetCPUUtilizationPercentage"] = nil
            if let t = target?.int {
                spec["metrics"] = [["type": "Resource", "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(t)]]]]
            }
            out["spec"] = spec
        }
        if var status = obj["status"], status.isObject {
            let current = status["currentCPUUtilizationPercentage"]
            status["currentCPUUtilizationPercentage"] = nil
            if let c = current?.int {
                status["currentMetrics"] = [["type": "Resource", "resource": ["name": "cpu", "current": ["averageUtilization": .int(c)]]]]
            }
            out["status"] = status
        }
        return out
    }

    static func v2ToV1(_ obj: JSON) -> JSON {
        var out = obj
        out["apiVersion"] = "autoscaling/v1"
        if var spec = obj["spec"], spec.isObject {
            let metrics = spec["metrics"]?.array ?? []
            spec["metrics"] = nil
            spec["behavior"] = nil
            for m in metrics where m["type"]?.string == "Resource" && m["resource"]?["name"]?.string == "cpu" {
                if let u = m["resource"]?["target"]?["averageUtilization"]?.int { spec["targetCPUUtilizationPercentage"] = .int(u) }
            }
            out["spec"] = spec
        }
        if var status = obj["status"], status.isObject {
            let metrics = status["currentMetrics"]?.array ?? []
            status["currentMetrics"] = nil
            status["conditions"] = nil
            for m in metrics where m["type"]?.string == "Resource" && m["resource"]?["name"]?.string == "cpu" {
                if let u = m["resource"]?["current"]?["averageUtilization"]?.int { status["currentCPUUtilizationPercentage"] = .int(u) }
            }
            if status["currentReplicas"] == nil { status["currentReplicas"] = 0 }
            if status["desiredReplicas"] == nil { status["desiredReplicas"] = 0 }
            out["status"] = status
        }
        return out
    }
}

/// events.k8s.io/v1 ↔ core v1 Event (upstream's `Convert_v1_Event_To_core_Event` and back).
enum EventConversion {
    /// events.k8s.io field ↔ core field.
    static let renames: [(String, String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"), ("reportingController", "reportingComponent"),
    ]

    static func toCore(_ obj: JSON) -> JSON {
        guard obj["apiVersion"]?.string == "events.k8s.io/v1" else { return obj }
        var out = obj
        out["apiVersion"] = "v1"
        for (from, to) in renames {
            out[to] = obj[from]
            out[from] = nil
        }
        if out["involvedObject"] == nil { out["involvedObject"] = [:] }
        return out
    }

    static func fromCore(_ obj: JSON) -> JSON {
        var out = obj
        out["apiVersion"] = "events.k8s.io/v1"
        for (to, from) in renames {
            out[to] = obj[from]
            out[from] = nil
        }
        if let r = out["regarding"], r.object?.isEmpty == true { out["regarding"] = nil }
        if let s = out["deprecatedSource"], s.object?.isEmpty == true { out["deprecatedSource"] = nil }
        if out["deprecatedCount"]?.int == 0 { out["deprecatedCount"] = nil }
        // events.k8s.io writes these with omitempty: zero times and empty strings are left out.
        for key in ["deprecatedFirstTimestamp", "deprecatedLastTimestamp", "reportingController", "reportingInstance", "action", "reason", "type", "note"] {
            if let v = out[key], v.isNull || v.string == "" { out[key] = nil }
        }
        return out
    }
}
