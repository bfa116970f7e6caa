/// One record of a CRI container log file, as containerd writes it:
/// `2024-05-01T10:00:00.123456789Z stdout F hello` — RFC 3339 (nanoseconds) timestamp, stream, tag, text.
/// The tag is `F` for a full line or `P` for a partial one (a long line split by the runtime); partial
/// records are joined with what follows until a full one ends the line.
public struct CRILogLine: Sendable, Equatable {
    public enum Stream: String, Sendable { case stdout, stderr }

    /// The timestamp as written (upstream prints the same RFC3339Nano text with `--timestamps`).
    public var timestamp: String
    public var stream: Stream
    public var partial: Bool
    /// The text, without the record's newline.
    public var content: [UInt8]

    public init(timestamp: String, stream: Stream, partial: Bool, content: [UInt8]) {
        self.timestamp = timestamp
        self.stream = stream
        self.partial = partial
        self.content = content
    }

    /// Parses one record (without its trailing newline); nil when it is not in the CRI format, as upstream's
    /// `parseCRILog` rejects it.
    public static func parse<C: Collection<UInt8>>(_ record: C) -> CRILogLine? where C.Index == Int {
        let space = UInt8(ascii: " ")
        var i = record.startIndex
        func field() -> ArraySlice<UInt8>? {
            guard let end = record[i...].firstIndex(of: space) else { return nil }
            defer { i = end + 1 }
            return ArraySlice(record[i..<end])
        }
        guard let ts = field(), !ts.isEmpty, let streamName = field(),
              let stream = Stream(rawValue: String(decoding: streamName, as: UTF8.self))
        else { return nil }
        // The tag may carry further flags after ':' (upstream keeps only the first, F or P).
        let tag: ArraySlice<UInt8>
        if let t = field() { tag = t } else {
            // "ts stream F" with an empty text and no trailing space.
            tag = ArraySlice(record[i...])
            i = record.endIndex
        }
        let first = tag.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).first ?? []
        let partial: Bool
        switch String(decoding: first, as: UTF8.self) {
        case "F": partial = false
        case "P": partial = true
        default: return nil
        }
        return CRILogLine(timestamp: String(decoding: ts, as: UTF8.self), stream: stream, partial: partial,
                          content: Array(record[i...]))
    }
}
