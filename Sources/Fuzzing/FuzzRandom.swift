import APIMachinery

/// The fuzzers' generator: SplitMix64, so a failure reproduces from its seed and iteration number.
public typealias FuzzRandom = SplitMix64

extension SplitMix64 {
    /// A number in `0..<n` (0 when `n` ≤ 1).
    public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }
}
