/// Runs `operation` in a task that the test cancels and awaits at its end, so no component outlives it.
public final class Background: Sendable {
    public let task: Task<Void, Never>

    public init(_ operation: @escaping @Sendable () async -> Void) {
        task = Task { await operation() }
    }

    public func stop() async {
        task.cancel()
        await task.value
    }
}
