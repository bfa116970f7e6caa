/// Two configurations of one server measured in the same run, round by round, and how much throughput the
/// measured one (`with`) loses against the reference (`without`). Medians rather than means: on a shared
/// machine one round can be slowed by something else entirely, and the median ignores a single outlier
/// where a mean would carry it into the verdict.
public struct ThroughputComparison: Sendable, Equatable {
    /// Operations per second of each round with the feature under test.
    public var with: [Double]
    /// Operations per second of each round without it.
    public var without: [Double]

    public init(with: [Double], without: [Double]) {
        self.with = with
        self.without = without
    }

    public var medianWith: Double { Self.median(with) }
    public var medianWithout: Double { Self.median(without) }

    /// The share of the reference's throughput lost, in percent of the reference: positive when `with` is
    /// slower, negative when it happens to be faster. NaN when a side has no rounds or the reference is 0.
    public var lossPercent: Double {
        let reference = medianWithout
        guard reference > 0, !with.isEmpty else { return .nan }
        return (reference - medianWith) / reference * 100
    }

    /// Whether the loss is strictly below `percent` (a NaN loss, from missing rounds, never is).
    public func lossIsBelow(_ percent: Double) -> Bool { lossPercent < percent }

    /// The median of `xs` (the mean of the middle two for an even count); NaN for none.
    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
