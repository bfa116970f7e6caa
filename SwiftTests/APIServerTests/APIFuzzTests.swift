import Foundation
import Fuzzing
import Testing

/// CI's short pass of the API fuzzer (Sources/Fuzzing; `skiff bench fuzz` runs a million requests).
/// Every answer must be a success or a well-formed Status with a 4xx code — a client's mistake is never
/// the server's 500, even where upstream answers 500 — and afterwards the store must still be consistent.
/// Deterministic (a seeded generator), so a failure names its iteration and reproduces;
/// `SKIFF_FUZZ_ITERATIONS` runs longer.
@Suite struct APIFuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["SKIFF_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3000

    @Test func everyAnswerIsASuccessOrA4xxStatusAndTheStoreStaysConsistent() async throws {
        let server = try await TestServer()
        let result = await APIFuzzCampaign().run(server.handler, requests: Self.iterations)
        #expect(result.requests == Self.iterations)
        #expect(result.badAnswers == 0, "\(result.badAnswers) bad answers:\n\(result.examples.joined(separator: "\n"))")
        #expect(result.inconsistencies.isEmpty, "\(result.inconsistencies)")
        // The generator must reach past the first checks: some requests succeed, some are refused.
        #expect(result.succeeded > Self.iterations / 20 && result.refused > Self.iterations / 5)
    }
}
