/// The p-th percentile of ascending `sorted` samples by the nearest-rank method (nil for no samples): what
/// every `skiff bench` figure reports.
public func nearestRankPercentile(_ sorted: [Double], _ p: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}
