/// Reading `metav1.Time` and `metav1.MicroTime` text with the rules of Go's `time.Parse`, which is what
/// upstream's `UnmarshalJSON` and query-parameter decoding call.
///
/// `time.Parse(time.RFC3339, s)` first tries a strict reader and then falls back to the general layout
/// parser, so it accepts the union of the two: a one- or two-digit hour, a fraction after `.` or `,` of any
/// length (digits past the ninth are dropped), `Z` or a `±hh:mm` offset whose hour may be 24 and minute 60,
/// and nothing else: no lowercase `t`/`z`, no second 60, no `+hhmm`, and no day the month lacks (Feb 31 is
/// "day out of range", never March 3).
extension Timestamp {
    /// `time.Parse(time.RFC3339, text)`: `metav1.Time`'s decoding; any fraction (or none) is accepted and kept.
    public init?(rfc3339 text: String) {
        guard let parsed = Self.parse(text, microTimeLayout: false) else { return nil }
        self = parsed
    }

    /// `time.Parse("2006-01-02T15:04:05.000000Z07:00", text)`: `metav1.MicroTime`'s decoding, which needs
    /// exactly six fractional digits.
    public init?(microTime text: String) {
        guard let parsed = Self.parse(text, microTimeLayout: true) else { return nil }
        self = parsed
    }

    private static func parse(_ text: String, microTimeLayout: Bool) -> Timestamp? {
        var reader = Reader(bytes: Array(text.utf8))
        guard let year = reader.number(digits: 4), reader.literal("-"),
              let month = reader.number(digits: 2), reader.literal("-"),
              let day = reader.number(digits: 2), reader.literal("T"),
              let hour = reader.number(digits: 2) ?? reader.number(digits: 1), hour < 24, reader.literal(":"),
              let minute = reader.number(digits: 2), minute < 60, reader.literal(":"),
              let second = reader.number(digits: 2), second < 60
        else { return nil }

        var nanoseconds: Int64 = 0
        if reader.peekFractionStart {
            reader.index += 1
            var count = 0
            while let digit = reader.digit() {
                if count < 9 { nanoseconds = nanoseconds * 10 + digit }
                count += 1
                if microTimeLayout && count == 6 { break }
            }
            if microTimeLayout && count != 6 { return nil }
            for _ in count..<max(count, 9) { nanoseconds *= 10 }
        } else if microTimeLayout {
            return nil
        }

        var offset: Int64 = 0
        if reader.literal("Z") {
            // UTC
        } else if let sign = reader.sign(), let offsetHour = reader.number(digits: 2), offsetHour <= 24,
                  reader.literal(":"), let offsetMinute = reader.number(digits: 2), offsetMinute <= 60 {
            offset = sign * (offsetHour * 3600 + offsetMinute * 60)
        } else {
            return nil
        }
        guard reader.atEnd else { return nil }

        let date = CivilDate(year: year, month: month, day: day)
        guard date.isValid else { return nil }
        let seconds = date.daysSinceEpoch * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Timestamp(seconds: seconds, nanoseconds: nanoseconds)
    }

    /// A cursor over the text's bytes.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        /// A `.` or `,` followed by a digit: Go reads a fraction only then.
        var peekFractionStart: Bool {
            index + 1 < bytes.count && (bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ","))
                && (0x30...0x39).contains(bytes[index + 1])
        }

        mutating func literal(_ c: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: c) else { return false }
            index += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { return nil }
            index += 1
            return Int64(bytes[index - 1] - 0x30)
        }

        /// Exactly `digits` decimal digits, or nil with the cursor unmoved.
        mutating func number(digits: Int) -> Int64? {
            let start = index
            var value: Int64 = 0
            for _ in 0..<digits {
                guard let d = digit() else {
                    index = start
                    return nil
                }
                value = value * 10 + d
            }
            return value
        }

        mutating func sign() -> Int64? {
            if literal("+") { return 1 }
            if literal("-") { return -1 }
            return nil
        }
    }
}
