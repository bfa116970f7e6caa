import Foundation
import Testing

@testable import Kubelet

/// A temporary kubelet root with CRI log files written by the tests.
struct LogFixture {
    let root: URL
    let paths: PodLogPaths

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        paths = PodLogPaths(kubeletRoot: root)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    @discardableResult
    func write(_ lines: [String], attempt: Int = 0, container: String = "c") throws -> URL {
        let url = paths.containerLog(namespace: "default", pod: "p", uid: "u1", container: container, restartCount: attempt)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
        return url
    }

    func append(_ lines: [String], to url: URL) throws {
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
        try h.close()
    }
}

let sample = [
    "2026-11-24T19:01:49.100000000Z stdout F first line",
    "2026-11-24T19:01:50.200000000Z stderr P a long ",
    "2026-11-24T19:01:50.300000000Z stderr F line, joined",
    "2026-11-24T19:01:51.000000000Z stdout F ",
    "2026-11-24T19:01:52.000000000Z stdout F last",
]

@Suite struct CRILogLineTests {
    @Test func parsesFullAndPartialRecords() {
        let full = CRILogLine.parse(Array("2026-11-24T19:01:49.1Z stdout F hello world".utf8))
        #expect(full == CRILogLine(timestamp: "2026-11-24T19:01:49.1Z", stream: .stdout, partial: false, content: Array("hello world".utf8)))
        let partial = CRILogLine.parse(Array("2026-11-24T19:01:49.1Z stderr P:x part".utf8))
        #expect(partial?.partial == true)
        #expect(partial?.stream == .stderr)
        #expect(partial?.content == Array("part".utf8))
        // An empty line: nothing after the tag.
        #expect(CRILogLine.parse(Array("2026-11-24T19:01:49.1Z stdout F".utf8))?.content == [])
    }

    @Test func rejectsOtherFormats() {
        #expect(CRILogLine.parse(Array("plain text from a docker log".utf8)) == nil)
        #expect(CRILogLine.parse(Array("2026-11-24T19:01:49Z stdin F x".utf8)) == nil)
        #expect(CRILogLine.parse(Array("2026-11-24T19:01:49Z stdout X x".utf8)) == nil)
    }
}

@Suite struct ContainerLogReaderTests {
    func read(_ query: [String: String], now: Date = Date()) throws -> String {
        let fixture = try LogFixture()
        defer { fixture.remove() }
        let url = try fixture.write(sample)
        let data = try ContainerLogReader(file: url, options: try ContainerLogOptions(query: query, now: now)).readAll()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func joinsPartialRecordsIntoLines() throws {
        #expect(try read([:]) == "first line\na long line, joined\n\nlast\n")
    }

    @Test func timestampsPrefixEachLineWithItsFirstRecordsTime() throws {
        #expect(try read(["timestamps": "true"]) == """
            2026-11-24T19:01:49.100000000Z first line
            2026-11-24T19:01:50.200000000Z a long line, joined
            2026-11-24T19:01:51.000000000Z \n2026-11-24T19:01:52.000000000Z last

            """)
    }

    @Test func tailCountsRecordsFromTheEnd() throws {
        #expect(try read(["tailLines": "2"]) == "\nlast\n")
        #expect(try read(["tailLines": "0"]) == "")
        #expect(try read(["tailLines": "-1"]) == "first line\na long line, joined\n\nlast\n")
    }

    @Test func limitBytesCutsTheOutput() throws {
        #expect(try read(["limitBytes": "7"]) == "first l")
        #expect(throws: LogRequestError.self) { try ContainerLogOptions(query: ["limitBytes": "0"]) }
    }

    @Test func sinceSkipsOlderRecords() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-24T19:01:53Z"))
        #expect(try read(["sinceSeconds": "2"], now: now) == "\nlast\n")
        #expect(try read(["sinceTime": "2026-11-24T19:01:50Z"]) == "a long line, joined\n\nlast\n")
    }

    @Test func followStreamsAppendedLinesUntilTheAttemptIsSuperseded() async throws {
        let fixture = try LogFixture()
        defer { fixture.remove() }
        let url = try fixture.write(["2026-11-24T19:01:49Z stdout F one"])
        let locator = ContainerLogLocator(paths: fixture.paths)
        var reader = ContainerLogReader(file: url, options: try ContainerLogOptions(query: ["follow": "true"]))
        reader.pollInterval = .milliseconds(20)
        reader.keepFollowing = { locator.isCurrent(namespace: "default", pod: "p", uid: "u1", container: "c", attempt: 0) }
        var chunks = reader.stream().makeAsyncIterator()
        #expect(try await chunks.next().map { String(decoding: $0, as: UTF8.self) } == "one\n")
        try fixture.append(["2026-11-24T19:01:50Z stdout F two"], to: url)
        #expect(try await chunks.next().map { String(decoding: $0, as: UTF8.self) } == "two\n")
        // A record written in two pieces arrives once it is complete.
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data("2026-11-24T19:01:51Z stdout F thr".utf8))
        // Stays: longer than the 20 ms poll, so that the reader meets the half-written record at least once.
        try await Task.sleep(for: .milliseconds(60))
        try h.write(contentsOf: Data("ee\n".utf8))
        try h.close()
        #expect(try await chunks.next().map { String(decoding: $0, as: UTF8.self) } == "three\n")
        // The container restarted: attempt 1 supersedes attempt 0 and following ends.
        try fixture.write(["2026-11-24T19:02:00Z stdout F again"], attempt: 1)
        #expect(try await chunks.next() == nil)
    }
}

@Suite struct ContainerLogLocatorTests {
    @Test func currentIsTheHighestAttemptAndPreviousTheOneBefore() throws {
        let fixture = try LogFixture()
        defer { fixture.remove() }
        let locator = ContainerLogLocator(paths: fixture.paths)
        #expect(throws: LogRequestError.self) {
            try locator.logFile(namespace: "default", pod: "p", uid: "u1", container: "c", previous: false)
        }
        try fixture.write(["x"], attempt: 0)
        do {
            _ = try locator.logFile(namespace: "default", pod: "p", uid: "u1", container: "c", previous: true)
            Issue.record("expected an error")
        } catch let e as LogRequestError {
            #expect(e.message == "previous terminated container \"c\" in pod \"p\" not found")
        }
        try fixture.write(["x"], attempt: 2)
        try fixture.write(["x"], attempt: 10)
        #expect(try locator.logFile(namespace: "default", pod: "p", uid: "u1", container: "c", previous: false).attempt == 10)
        #expect(try locator.logFile(namespace: "default", pod: "p", uid: "u1", container: "c", previous: true).attempt == 2)
    }
}
