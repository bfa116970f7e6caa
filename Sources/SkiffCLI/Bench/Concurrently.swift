/// Runs `body(i)` for every i in 0..<count over `workers` concurrent tasks, each taking the next index as
/// it finishes the last (a closed-loop load: as many requests in flight as workers). The first error
/// cancels the rest and is thrown.
func concurrently(_ count: Int, workers: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let next = SharedCounter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
            group.addTask {
                while true {
                    let i = next.next()
                    if i >= count { return }
                    try await body(i)
                }
            }
        }
        try await group.waitForAll()
    }
}
