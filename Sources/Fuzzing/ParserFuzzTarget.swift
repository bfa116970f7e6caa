/// A parser of outside input, fed mutated inputs by a ``ParserFuzzCampaign``.
///
/// `check` runs the parser on one input. Refusing the input (throwing the parser's error, returning nil) is
/// fine; crashing is not — a trap takes the whole process, which is how a campaign reports it. Where the
/// parser has a writer, `check` also reads back what it wrote and returns a description of any difference,
/// so the fuzzer finds inputs the parser accepts but misunderstands.
public protocol ParserFuzzTarget: Sendable {
    /// Short name for reports (`yaml`, `dns`, …).
    var name: String { get }
    /// Valid inputs to start from.
    var seeds: [[UInt8]] { get }
    /// Parses `input` and says how it went.
    func check(_ input: [UInt8]) -> ParserFuzzOutcome
    /// The share of mutated inputs the parser should still accept, or the campaign would only exercise
    /// refusals (CI checks it).
    var minimumAcceptedShare: Double { get }
}

extension ParserFuzzTarget {
    public var minimumAcceptedShare: Double { 0.02 }
}

/// What a parser made of one input.
public enum ParserFuzzOutcome: Sendable, Equatable {
    /// Parsed (and, where there is a writer, read back alike).
    case accepted
    /// Refused with the parser's own error: what bad input should get.
    case refused
    /// Something is wrong: accepted but read back differently, or refused with the wrong kind of error.
    case problem(String)
}

/// The outcome of feeding one target.
public struct ParserFuzzResult: Sendable {
    public var target: String
    public var inputs: Int
    /// Inputs the parser accepted (the rest it refused).
    public var accepted: Int
    /// The first inputs whose check found a problem (at most 10), with what it found.
    public var problems: [(input: [UInt8], problem: String)]
    public var problemCount: Int
    /// The input that took longest, and how long: a parser that is slow on some input is a way to stall
    /// whatever reads it.
    public var slowest: (input: [UInt8], duration: Duration)?
}

/// Feeds a target `inputs` inputs: its seeds, then mutations of seeds and of earlier inputs.
public struct ParserFuzzCampaign: Sendable {
    public var seed: UInt64
    public var mutator: ByteMutator

    public init(seed: UInt64 = 0x5eed, mutator: ByteMutator = ByteMutator()) {
        self.seed = seed
        self.mutator = mutator
    }

    public func run(_ target: any ParserFuzzTarget, inputs: Int) -> ParserFuzzResult {
        var rng = FuzzRandom(seed: seed ^ UInt64(truncatingIfNeeded: target.name.hashValueStable))
        var corpus = target.seeds.isEmpty ? [[]] : target.seeds
        var result = ParserFuzzResult(target: target.name, inputs: 0, accepted: 0, problems: [], problemCount: 0, slowest: nil)
        for i in 0..<inputs {
            let input: [UInt8]
            if i < target.seeds.count {
                input = target.seeds[i]
            } else {
                let base = rng.pick(corpus)
                input = mutator.mutate(base, splicing: rng.pick(corpus), rng: &rng)
            }
            result.inputs += 1
            let started = ContinuousClock.now
            let outcome = target.check(input)
            let took = ContinuousClock.now - started
            if took > (result.slowest?.duration ?? .zero) { result.slowest = (input, took) }
            switch outcome {
            case .accepted: result.accepted += 1
            case .refused: break
            case .problem(let problem):
                result.problemCount += 1
                if result.problems.count < 10 { result.problems.append((input, problem)) }
            }
            // Keep some inputs to mutate further: a bounded corpus that drifts from the seeds.
            if rng.below(16) == 0 {
                if corpus.count < 256 { corpus.append(input) } else { corpus[rng.below(corpus.count)] = input }
            }
        }
        return result
    }
}

extension String {
    /// FNV-1a: the same number in every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
