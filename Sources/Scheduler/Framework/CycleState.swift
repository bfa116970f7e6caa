/// Per-cycle scratch space plugins share between extension points (upstream `framework.CycleState`).
///
/// Created by `scheduleOne` and used synchronously within it, so it is not `Sendable`. The framework also
/// records here which plugins asked to be skipped.
public final class CycleState {
    public internal(set) var skipFilterPlugins: Set<String> = []
    public internal(set) var skipScorePlugins: Set<String> = []
    private var storage: [String: Any] = [:]

    public init() {}

    public func write(_ key: String, _ value: Any) { storage[key] = value }
    public func read<T>(_ key: String, as type: T.Type = T.self) -> T? { storage[key] as? T }
}
