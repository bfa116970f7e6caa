/// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held.
/// Tests of level-triggered components wait for a state, never for a fixed time. The timeout is patience,
/// not a bound under test: the whole suite runs its tests in parallel on two cores, where a controller's
/// few seconds of work can take twenty.
@discardableResult
public func eventually(
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(25),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
        if try await condition() { return true }
        // Polls the condition at `interval`.
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
