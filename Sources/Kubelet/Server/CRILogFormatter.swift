import APIMachinery
import Foundation

/// Turns CRI log records into what `kubectl logs` prints, as upstream's `logWriter`: full records end
/// with a newline, partial ones are joined to the next; `timestamps` prefixes each line (the timestamp of
/// its first record) with the timestamp and a space; `since` skips older records; `limitBytes` cuts the
/// output at exactly that many bytes and ends it.
public struct CRILogFormatter: Sendable {
    public let options: ContainerLogOptions
    private var atLineStart = true
    private var written = 0
    /// True once `limitBytes` is reached: nothing more is written.
    public private(set) var finished = false

    public init(options: ContainerLogOptions) {
        self.options = options
    }

    public mutating func format(_ line: CRILogLine) -> [UInt8] {
        guard !finished else { return [] }
        if let since = options.since, let at = Self.seconds(line.timestamp), at < since.timeIntervalSince1970 {
            return []
        }
        var out: [UInt8] = []
        if options.timestamps, atLineStart {
            out += Array(line.timestamp.utf8)
            out.append(UInt8(ascii: " "))
        }
        out += line.content
        if !line.partial { out.append(UInt8(ascii: "\n")) }
        atLineStart = !line.partial
        if let limit = options.limitBytes, written + out.count >= limit {
            out = Array(out.prefix(limit - written))
            finished = true
        }
        written += out.count
        return out
    }

    /// Seconds since the epoch of an RFC 3339 timestamp with up to nanosecond precision.
    static func seconds(_ timestamp: String) -> Double? {
        // Split off the fraction: the whole-second part parses without a formatter when it ends in Z.
        guard let dot = timestamp.firstIndex(of: ".") else { return RFC3339.seconds(timestamp).map(Double.init) }
        let afterDot = timestamp[timestamp.index(after: dot)...]
        let digits = afterDot.prefix { $0.isNumber }
        let zone = afterDot.dropFirst(digits.count)
        guard let whole = RFC3339.seconds(String(timestamp[..<dot]) + zone) else { return nil }
        let fraction = Double("0." + digits) ?? 0
        return Double(whole) + fraction
    }
}
