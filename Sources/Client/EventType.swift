/// Normal or Warning, the two core/v1 Event types.
public enum EventType: String, Sendable {
    case normal = "Normal"
    case warning = "Warning"
}
