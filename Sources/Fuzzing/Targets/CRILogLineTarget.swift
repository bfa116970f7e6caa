import Kubelet

/// Container log records as `kubectl logs` reads them through the kubelet (CRI format:
/// `RFC3339Nano stdout|stderr F|P text`), written by the runtime from whatever a container prints: a
/// record that parses keeps its content whole.
public struct CRILogLineTarget: ParserFuzzTarget {
    public let name = "cri-log"
    public init() {}

    public var seeds: [[UInt8]] {
        ["2026-12-07T12:00:00.123456789Z stdout F hello world",
         "2026-12-07T12:00:00Z stderr P partial line without end",
         "2026-12-07T12:00:00.1Z stdout F ",
         "2026-12-07T12:00:00.1Z stdout F \ttabs and \u{1B}[31mcolour\u{1B}[0m"].map { Array($0.utf8) }
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        guard let line = CRILogLine.parse(input) else { return .refused }
        // The content is the rest of the record, byte for byte, whatever it holds, and the record has at
        // least the timestamp, the stream and the tag before it.
        guard input.count >= line.content.count + line.stream.rawValue.utf8.count + 4,
              Array(input.suffix(line.content.count)) == line.content else {
            return .problem("the content is not the rest of the record")
        }
        return .accepted
    }
}
