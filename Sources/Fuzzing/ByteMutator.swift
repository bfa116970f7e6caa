/// Mutations of a byte string in the manner of libFuzzer's: bit flips, boundary values, erased, inserted,
/// duplicated and swapped ranges, truncation, and splices with another seed — one to four per input, so
/// most inputs stay close enough to a valid one to get past the first checks of a parser.
public struct ByteMutator: Sendable {
    /// Bytes parsers tend to treat specially: NUL, separators, quotes, high bits, UTF-8 lead bytes.
    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0xC3, 0xE2, 0xF0,
                                            0x0A, 0x0D, 0x20, 0x09, 0x22, 0x27, 0x3A, 0x2D, 0x23, 0x26, 0x2A, 0x7B, 0x5B]
    /// Multi-byte values that sit on boundaries of length fields.
    static let interestingWords: [[UInt8]] = [[0xFF, 0xFF], [0x7F, 0xFF], [0x80, 0x00], [0, 0], [0xFF, 0xFF, 0xFF, 0xFF],
                                              [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0xC0, 0x0C]]
    /// Upper bound on an input's length, so a campaign's memory stays bounded.
    public var maxLength: Int

    public init(maxLength: Int = 64 * 1024) { self.maxLength = maxLength }

    public func mutate(_ input: [UInt8], splicing other: [UInt8], rng: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + rng.below(4)) {
            mutateOnce(&bytes, other: other, rng: &rng)
        }
        if bytes.count > maxLength { bytes.removeLast(bytes.count - maxLength) }
        return bytes
    }

    func mutateOnce(_ bytes: inout [UInt8], other: [UInt8], rng: inout FuzzRandom) {
        let n = bytes.count
        switch rng.below(10) {
        case 0 where n > 0:
            bytes[rng.below(n)] ^= 1 << UInt8(rng.below(8))
        case 1 where n > 0:
            bytes[rng.below(n)] = rng.pick(Self.interestingBytes)
        case 2:
            bytes.insert(rng.pick(Self.interestingBytes), at: rng.below(n + 1))
        case 3 where n > 0:
            let start = rng.below(n)
            bytes.removeSubrange(start..<min(n, start + 1 + rng.below(16)))
        case 4 where n > 0:
            // A range repeated: long runs find length and nesting limits.
            let start = rng.below(n)
            let chunk = Array(bytes[start..<min(n, start + 1 + rng.below(32))])
            let times = 1 + rng.below(rng.below(4) == 0 ? 2000 : 8)
            bytes.insert(contentsOf: Array([[UInt8]](repeating: chunk, count: times).joined()), at: rng.below(n + 1))
        case 5 where n > 1:
            bytes.swapAt(rng.below(n), rng.below(n))
        case 6 where n > 0:
            bytes.removeLast(rng.below(n))
        case 7 where n > 1:
            let word = rng.pick(Self.interestingWords)
            let at = rng.below(n)
            for (k, b) in word.enumerated() where at + k < n { bytes[at + k] = b }
        case 8 where !other.isEmpty:
            let cut = rng.below(n + 1), from = rng.below(other.count)
            bytes = Array(bytes[..<cut]) + Array(other[from...])
        default:
            if n > 0 { bytes[rng.below(n)] = rng.byte() } else { bytes.append(rng.byte()) }
        }
    }
}
