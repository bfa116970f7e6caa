/// Runs `count` calls in growing batches, 1, 2, 4, ..., stopping at the first batch with a failure
/// (upstream's `slowStartBatch`). A controller whose pods cannot be created (quota, a bad template)
/// then fails after one request instead of flooding the API server with hundreds of doomed ones.
enum SlowStart {
    /// Returns how many calls succeeded and the first error, if any.
    static func run(count: Int, initialBatch: Int = 1, _ call: @escaping @Sendable () async throws -> Void) async -> (Int, Error?) {
        var remaining = count
        var successes = 0
        var batch = min(remaining, initialBatch)
        while batch > 0 {
            let errors = await withTaskGroup(of: Error?.self) { group -> [Error] in
                for _ in 0..<batch {
                    group.addTask {
                        do { try await call(); return nil } catch { return error }
                    }
                }
                var out: [Error] = []
                for await e in group { if let e { out.append(e) } }
                return out
            }
            successes += batch - errors.count
            if let first = errors.first { return (successes, first) }
            remaining -= batch
            batch = min(2 * batch, remaining)
        }
        return (successes, nil)
    }
}
