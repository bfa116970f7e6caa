import Foundation
import Fuzzing
import Testing
import TestSupport

/// CI's short pass over every parser of outside input (`skiff bench fuzz` runs 100,000 inputs each).
/// A crash fails the run; a parser that accepts an input and reads its own output back differently is a
/// problem; and each target's seeds must parse, or the campaign would only exercise refusals.
/// The campaigns are seconds of synchronous work, so they run on their own thread: on the two-thread
/// cooperative pool of a 2-core CI machine they would stall every other test's tasks meanwhile.
@Suite struct ParserFuzzTests {
    static let inputs = ProcessInfo.processInfo.environment["SKIFF_FUZZ_PARSER_INPUTS"].flatMap(Int.init) ?? 4000

    static let targets: [any ParserFuzzTarget] = [
        YAMLTarget(), KubeconfigTarget(), DNSMessageTarget(), SPDYFrameTarget(), WebSocketFrameTarget(), CRILogLineTarget(), AdmissionReviewTarget(),
    ]

    @Test(arguments: targets.map(\.name))
    func mutatedInputsAreRefusedOrReadBackAlike(_ name: String) async throws {
        let target = Self.targets.first { $0.name == name }!
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds {
            #expect(target.check(seed) == .accepted, "seed \(String(decoding: seed.prefix(80), as: UTF8.self)) of \(name)")
        }
        let result = try await onOwnThread { ParserFuzzCampaign().run(target, inputs: Self.inputs) }
        #expect(result.inputs == Self.inputs)
        #expect(result.problemCount == 0, "\(result.problems.map { "\($0.problem): \($0.input.prefix(120))" })")
        // Mutations stay close enough to valid input that the parser accepts a share of them.
        #expect(Double(result.accepted) > Double(Self.inputs) * target.minimumAcceptedShare, "\(name) accepted only \(result.accepted)")
    }

    @Test func theMutatorIsDeterministicAndVaries() {
        var a = FuzzRandom(seed: 1), b = FuzzRandom(seed: 1)
        let seed = Array("apiVersion: v1".utf8)
        let first = (0..<50).map { _ in ByteMutator().mutate(seed, splicing: seed, rng: &a) }
        let second = (0..<50).map { _ in ByteMutator().mutate(seed, splicing: seed, rng: &b) }
        #expect(first == second)
        #expect(Set(first).count > 40)
        #expect(first.allSatisfy { $0.count <= ByteMutator().maxLength })
    }
}
