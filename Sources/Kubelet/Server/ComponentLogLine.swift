import APIMachinery

/// Reads a Skiff component's own log (what the supervisor writes from the component's standard error) as
/// CRI records, so that `kubectl logs` of a control-plane mirror pod — `kube-apiserver-NODE` — shows the
/// component's log with `--tail`, `--since`, `--timestamps` and `-f`, as upstream's kubelet shows a static
/// pod's container log.
///
/// A line starts with swift-log's timestamp, `2026-12-06T17:30:00+0000 info ...`; it becomes the record's
/// RFC 3339 timestamp (`2026-12-06T17:30:00.000000000Z`). A line without one (a crash's backtrace, a
/// message spanning lines) takes the timestamp of the line before it. Every line is a full `stderr`
/// record: components log to standard error, as klog does.
struct ComponentLogLine {
    private var lastTimestamp = "1970-01-01T00:00:00.000000000Z"

    mutating func parse<C: Collection<UInt8>>(_ record: C) -> CRILogLine? where C.Index == Int {
        let bytes = Array(record)
        if let stamp = Self.timestamp(prefixOf: bytes) { lastTimestamp = stamp }
        return CRILogLine(timestamp: lastTimestamp, stream: .stderr, partial: false, content: bytes)
    }

    /// `YYYY-MM-DDTHH:MM:SS±HHMM` at the start of the line, in UTC with nanoseconds; nil when the line
    /// does not start with one.
    static func timestamp(prefixOf line: [UInt8]) -> String? {
        guard line.count >= 24, line[10] == UInt8(ascii: "T"), line[19] == UInt8(ascii: "+") || line[19] == UInt8(ascii: "-") else {
            return nil
        }
        let text = String(decoding: line[0..<24], as: UTF8.self)
        // RFC 3339 wants the offset as ±HH:MM.
        let rfc = String(text.prefix(22)) + ":" + String(text.suffix(2))
        guard let seconds = RFC3339.seconds(rfc) else { return nil }
        return String(Timestamp(seconds: seconds).rfc3339.dropLast()) + ".000000000Z"
    }
}
