import Foundation

/// Reads one CRI log file as `kubectl logs` shows it: the last `tailLines` records, formatted by
/// `CRILogFormatter`, then — with `follow` — what is appended, until `keepFollowing` says the attempt is
/// over (a newer attempt's log appeared, the container stopped, the pod went) or the consumer goes away.
///
/// `tailLines` counts records, as upstream's `tail.FindTailLineStartIndex` counts the file's lines (a
/// line the runtime split into partial records counts once per record).
public struct ContainerLogReader: Sendable {
    /// What the file holds: a container's CRI log, or a Skiff component's own log (`ComponentLogLine`).
    public enum Format: Sendable { case cri, componentLog }

    public let file: URL
    public let options: ContainerLogOptions
    public var format: Format = .cri
    /// How often a followed file is checked for appended records.
    public var pollInterval: Duration = .milliseconds(200)
    /// Asked whenever a followed file has nothing new; false ends the stream once what is left was read.
    public var keepFollowing: @Sendable () async -> Bool

    public init(file: URL, options: ContainerLogOptions, keepFollowing: @escaping @Sendable () async -> Bool = { true }) {
        self.file = file
        self.options = options
        self.keepFollowing = keepFollowing
    }

    /// The formatted log in chunks. Errors opening the file end the stream with that error.
    public func stream() -> AsyncThrowingStream<Data, Error> {
        let reader = self
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await reader.produce { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The whole formatted log (ignores `follow`): what tests and non-follow callers read.
    public func readAll() throws -> Data {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var formatter = CRILogFormatter(options: options)
        var parser = RecordParser(format: format)
        var records = Self.records(in: Array(try handle.readToEnd() ?? Data()), keepIncompleteTail: false).records
        if let n = options.tailLines { records = parser.tail(records, n) }
        var out = Data()
        for r in records {
            guard let line = parser.parse(r) else { continue }
            out.append(contentsOf: formatter.format(line))
            if formatter.finished { break }
        }
        return out
    }

    func produce(_ emit: (Data) -> Void) async throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var formatter = CRILogFormatter(options: options)
        var parser = RecordParser(format: format)
        func write(_ records: [ArraySlice<UInt8>]) -> Bool {
            var chunk = Data()
            for r in records {
                guard let line = parser.parse(r) else { continue }
                chunk.append(contentsOf: formatter.format(line))
                if formatter.finished { break }
            }
            if !chunk.isEmpty { emit(chunk) }
            return !formatter.finished
        }

        var (records, pending) = Self.records(in: Array(try handle.readToEnd() ?? Data()), keepIncompleteTail: options.follow)
        if let n = options.tailLines { records = parser.tail(records, n) }
        guard write(records), options.follow else { return }

        var stopping = false
        while !Task.isCancelled {
            let fresh = try handle.read(upToCount: 1 << 20) ?? Data()
            if fresh.isEmpty {
                if stopping { break }
                if !(await keepFollowing()) {
                    // One last read: what the container wrote before it stopped.
                    stopping = true
                    continue
                }
                try? await Task.sleep(for: pollInterval)
                continue
            }
            let split = Self.records(in: pending + Array(fresh), keepIncompleteTail: true)
            pending = split.incomplete
            guard write(split.records) else { return }
        }
        if !pending.isEmpty { _ = write([pending[...]]) }
    }

    /// One file's records as log lines, in the reader's format.
    struct RecordParser {
        let format: Format
        var component = ComponentLogLine()

        mutating func parse(_ record: ArraySlice<UInt8>) -> CRILogLine? {
            switch format {
            case .cri: return CRILogLine.parse(record)
            case .componentLog: return component.parse(record)
            }
        }

        /// The last `n` records. A component log's line without a timestamp takes the one before it, so
        /// the dropped part is read for the timestamp it leaves to the first kept line.
        mutating func tail(_ records: [ArraySlice<UInt8>], _ n: Int) -> [ArraySlice<UInt8>] {
            let kept = records.suffix(n)
            if format == .componentLog {
                for r in records[..<kept.startIndex].reversed() where ComponentLogLine.timestamp(prefixOf: Array(r)) != nil {
                    _ = parse(r)
                    break
                }
            }
            return Array(kept)
        }
    }

    /// Splits bytes into newline-terminated records; an unterminated last one is returned apart when the
    /// writer may still be writing it, or counted as a record otherwise.
    static func records(in bytes: [UInt8], keepIncompleteTail: Bool) -> (records: [ArraySlice<UInt8>], incomplete: [UInt8]) {
        var records: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            if i > start { records.append(bytes[start..<i]) }
            start = i + 1
        }
        var incomplete: [UInt8] = []
        if start < bytes.count {
            if keepIncompleteTail { incomplete = Array(bytes[start...]) } else { records.append(bytes[start...]) }
        }
        return (records, incomplete)
    }
}
