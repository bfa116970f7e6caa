/// Per-cycle scratch space plugins share between extension points (upstream `framework.CycleState`).
///
/// Created for one pod's cycle and used by one task at a time: synchronously within `scheduleOne` and
/// Reserve, then handed whole to that pod's binding task for PreBind (hence `@unchecked Sendable`: it
/// is passed on, never shared). The framework also records here which plugins asked to be skipped.
public final class CycleState: @unchecked Sendable {
    public internal(set) var skipFilterPlugins: Set<String> = []
    public internal(set) var skipScorePlugins: Set<String> = []
    private var storage: [String: Any] = [:]

    public init() {}

    public func write(_ key: String, _ value: Any) { storage[key] = value }
    public func read<T>(_ key: String, as type: T.Type = T.self) -> T? { storage[key] as? T }
}
