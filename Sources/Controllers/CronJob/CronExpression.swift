import Foundation

/// A CronJob schedule: five fields (minute, hour, day of month, month, day of week) or a descriptor
/// (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every 1h30m`),
/// evaluated in a time zone — robfig/cron v3's `ParseStandard` and `SpecSchedule.Next`, which upstream's
/// CronJob controller uses. Fields take `*`, `?`, numbers, names (`jan`, `mon`), ranges `a-b`, steps
/// `*/n`, `a-b/n`, `a/n` and lists `a,b`.
///
/// `next(after:)` walks local time as robfig does, so daylight-saving changes behave the same: a time
/// skipped by a spring-forward gap does not run that day, and a repeated hour runs twice.
struct CronExpression: Sendable, Equatable {
    struct ParseError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    static let starBit: UInt64 = 1 << 63

    var minute: UInt64 = 0
    var hour: UInt64 = 0
    var dom: UInt64 = 0
    var month: UInt64 = 0
    var dow: UInt64 = 0
    /// `@every`: a fixed delay instead of fields.
    var every: Int64?
    var timeZone: TimeZone

    struct Bounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]
    }

    static let minutes = Bounds(min: 0, max: 59)
    static let hours = Bounds(min: 0, max: 23)
    static let doms = Bounds(min: 1, max: 31)
    static let months = Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                                       "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
    static let dows = Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])

    init(parsing spec: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws {
        self.timeZone = timeZone
        var spec = spec.trimmingCharacters(in: .whitespaces)
        if spec.isEmpty { throw ParseError(description: "empty spec string") }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            guard let space = spec.firstIndex(of: " ") else { throw ParseError(description: "provided bad location \(spec)") }
            let name = String(spec[spec.index(after: spec.firstIndex(of: "=")!)..<space])
            guard let tz = TimeZone(identifier: name) else { throw ParseError(description: "provided bad location \(name): unknown time zone \(name)") }
            self.timeZone = tz
            spec = spec[space...].trimmingCharacters(in: .whitespaces)
        }
        if spec.hasPrefix("@") {
            try parseDescriptor(spec)
            return
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else { throw ParseError(description: "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]") }
        minute = try Self.field(fields[0], Self.minutes)
        hour = try Self.field(fields[1], Self.hours)
        dom = try Self.field(fields[2], Self.doms)
        month = try Self.field(fields[3], Self.months)
        dow = try Self.field(fields[4], Self.dows)
    }

    private mutating func parseDescriptor(_ d: String) throws {
        let all = { (b: Bounds) in Self.bits(b.min, b.max, 1) | Self.starBit }
        minute = 1; hour = 1; dom = all(Self.doms); month = all(Self.months); dow = all(Self.dows)
        switch d {
        case "@yearly", "@annually": dom = 1 << 1; month = 1 << 1
        case "@monthly": dom = 1 << 1
        case "@weekly": dow = 1
        case "@daily", "@midnight": break
        case "@hourly": hour = all(Self.hours)
        default:
            if d.hasPrefix("@every ") {
                let text = String(d.dropFirst("@every ".count))
                guard let seconds = Self.goDuration(text) else {
                    throw ParseError(description: "failed to parse duration \(d): time: invalid duration \"\(text)\"")
                }
                every = max(1, seconds)
                return
            }
            throw ParseError(description: "unrecognized descriptor: \(d)")
        }
    }

    /// Whole seconds of a Go duration like `1h30m`, `90s`, `2h` (fractions of a second are dropped, as
    /// robfig rounds `@every` down to the second).
    static func goDuration(_ s: String) -> Int64? {
        let units: [String: Double] = ["ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600]
        var total = 0.0
        var rest = Substring(s)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            guard let factor = units[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * factor
        }
        return Int64(total)
    }

    static func bits(_ min: Int, _ max: Int, _ step: Int) -> UInt64 {
        if step == 1 { return ~(UInt64.max << UInt64(max + 1)) & (UInt64.max << UInt64(min)) }
        var b: UInt64 = 0
        var i = min
        while i <= max { b |= 1 << UInt64(i); i += step }
        return b
    }

    /// One comma-separated field (robfig's `getField`/`getRange`), with its error messages.
    static func field(_ text: String, _ r: Bounds) throws -> UInt64 {
        var bits: UInt64 = 0
        for expr in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            bits |= try range(expr, r)
        }
        return bits
    }

    static func range(_ expr: String, _ r: Bounds) throws -> UInt64 {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let single = lowAndHigh.count == 1
        var start: Int, end: Int
        var extra: UInt64 = 0
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = r.min; end = r.max; extra = starBit
        } else {
            start = try intOrName(lowAndHigh[0], r)
            switch lowAndHigh.count {
            case 1: end = start
            case 2: end = try intOrName(lowAndHigh[1], r)
            default: throw ParseError(description: "too many hyphens: \(expr)")
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            step = try positiveInt(rangeAndStep[1])
            if single { end = r.max }
            if step > 1 { extra = 0 }
        default: throw ParseError(description: "too many slashes: \(expr)")
        }
        if start < r.min { throw ParseError(description: "beginning of range (\(start)) below minimum (\(r.min)): \(expr)") }
        if end > r.max { throw ParseError(description: "end of range (\(end)) above maximum (\(r.max)): \(expr)") }
        if start > end { throw ParseError(description: "beginning of range (\(start)) beyond end of range (\(end)): \(expr)") }
        if step == 0 { throw ParseError(description: "step of range should be a positive number: \(expr)") }
        return bits(start, end, step) | extra
    }

    static func intOrName(_ s: String, _ r: Bounds) throws -> Int {
        if let v = r.names[s.lowercased()] { return v }
        return try positiveInt(s)
    }

    static func positiveInt(_ s: String) throws -> Int {
        guard let v = Int(s) else { throw ParseError(description: "failed to parse int from \(s): strconv.Atoi: parsing \"\(s)\": invalid syntax") }
        if v < 0 { throw ParseError(description: "negative number (\(v)) not allowed: \(s)") }
        return v
    }

    // MARK: Next

    /// The first time strictly after `date` (from the next whole second) that matches; nil when none
    /// within five years (robfig returns the zero time then).
    func next(after date: Date) -> Date? {
        let start = Int64(floor(date.timeIntervalSince1970))
        if let every { return Date(timeIntervalSince1970: Double(start + every)) }
        var t = start + 1
        var added = false
        let yearLimit = local(t).year + 5
        wrap: while true {
            var c = local(t)
            if c.year > yearLimit { return nil }
            while month & (1 << UInt64(c.month)) == 0 {
                if !added {
                    added = true
                    t = make(c.year, c.month, 1, 0, 0, 0)
                }
                c = local(t)
                t = make(c.year, c.month + 1, c.day, c.hour, c.minute, c.second)
                c = local(t)
                if c.month == 1 { continue wrap }
            }
            while !dayMatches(c) {
                if !added {
                    added = true
                    t = make(c.year, c.month, c.day, 0, 0, 0)
                }
                c = local(t)
                t = make(c.year, c.month, c.day + 1, c.hour, c.minute, c.second)
                c = local(t)
                // Midnight missing (or doubled) through a DST change: move back onto midnight.
                if c.hour != 0 {
                    t += c.hour > 12 ? Int64(24 - c.hour) * 3600 : -Int64(c.hour) * 3600
                    c = local(t)
                }
                if c.day == 1 { continue wrap }
            }
            while hour & (1 << UInt64(c.hour)) == 0 {
                if !added {
                    added = true
                    t = make(c.year, c.month, c.day, c.hour, 0, 0)
                }
                t += 3600
                c = local(t)
                if c.hour == 0 { continue wrap }
            }
            while minute & (1 << UInt64(c.minute)) == 0 {
                if !added {
                    added = true
                    t -= Self.floorMod(t, 60)
                }
                t += 60
                c = local(t)
                if c.minute == 0 { continue wrap }
            }
            // Seconds: the standard parser runs at second 0 only.
            if c.second != 0 {
                added = true
                t += Int64(60 - c.second)
                continue wrap
            }
            return Date(timeIntervalSince1970: Double(t))
        }
    }

    func dayMatches(_ c: Civil) -> Bool {
        let domMatch = dom & (1 << UInt64(c.day)) != 0
        let dowMatch = dow & (1 << UInt64(c.weekday)) != 0
        if dom & Self.starBit != 0 || dow & Self.starBit != 0 { return domMatch && dowMatch }
        return domMatch || dowMatch
    }

    struct Civil: Equatable {
        var year, month, day, hour, minute, second, weekday: Int
    }

    func offset(_ unix: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(unix))))
    }

    /// Local calendar fields of the instant `t` (Unix seconds).
    func local(_ t: Int64) -> Civil {
        let l = t + offset(t)
        let days = Self.floorDiv(l, 86400)
        let secs = Int(l - days * 86400)
        let (y, m, d) = Self.civil(fromDays: days)
        return Civil(year: y, month: m, day: d, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60,
                     weekday: Int(Self.floorMod(days + 4, 7)))
    }

    /// Go's `time.Date` in this zone: out-of-range fields normalize (month 13 is January next year, day 32
    /// the next month), and a local time that does not exist or exists twice resolves as Go resolves it.
    func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int64 {
        let m0 = month - 1
        let y = year + Int(Self.floorDiv(Int64(m0), 12))
        let m = Int(Self.floorMod(Int64(m0), 12)) + 1
        let days = Self.days(fromCivil: y, m, 1) + Int64(day - 1)
        let localSeconds = days * 86400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        var off = offset(localSeconds)
        if off != 0 {
            let utc = localSeconds - off
            let atUTC = offset(utc)
            if atUTC != off { off = atUTC }
        }
        return localSeconds - off
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64((m + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = floorDiv(z, 146097)
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }
}
