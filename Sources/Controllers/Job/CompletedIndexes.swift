/// A set of completion indexes as `status.completedIndexes` and `status.failedIndexes` write them:
/// ascending, three or more consecutive indexes written as one interval `first-last`, two as a pair
/// ("1,3-5,7,8") — upstream's `orderedIntervals`.
struct CompletedIndexes: Equatable, Sendable {
    private(set) var indexes: Set<Int> = []

    init() {}

    init(_ indexes: [Int]) { self.indexes = Set(indexes) }

    /// Parses upstream's text, keeping only indexes below `completions`; malformed parts are skipped.
    init(parsing text: String, completions: Int) {
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int(String($0).filter { $0 != " " }) }
            guard let first = bounds.first ?? nil, first >= 0 else { continue }
            let last = bounds.count == 2 ? (bounds[1] ?? first) : first
            guard last >= first else { continue }
            guard first < completions else { continue }
            for i in first...min(last, completions - 1) { indexes.insert(i) }
        }
    }

    var total: Int { indexes.count }
    func contains(_ i: Int) -> Bool { indexes.contains(i) }
    mutating func insert(_ i: Int) { indexes.insert(i) }
    func union(_ other: CompletedIndexes) -> CompletedIndexes { CompletedIndexes(Array(indexes.union(other.indexes))) }

    /// The ascending runs of consecutive indexes (upstream's intervals).
    var intervals: [ClosedRange<Int>] {
        let sorted = indexes.sorted()
        var out: [ClosedRange<Int>] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            out.append(sorted[i]...sorted[j])
            i = j + 1
        }
        return out
    }

    /// `1,3-5,7,8`: three or more consecutive indexes form one interval; a pair stays two numbers, as
    /// upstream's `orderedIntervals.String` writes it.
    var text: String {
        intervals.map { r in
            switch r.count {
            case 1: "\(r.lowerBound)"
            case 2: "\(r.lowerBound),\(r.upperBound)"
            default: "\(r.lowerBound)-\(r.upperBound)"
            }
        }.joined(separator: ",")
    }
}
