import Foundation
import APIMachinery
import KubeStreaming
import NIOCore
import StaticPods
import Testing

@testable import Kubelet

/// A Skiff component's own log, served for its mirror pod as `kubectl logs` serves a container's.
@Suite struct ComponentLogTests {
    let lines = [
        "2026-12-06T17:30:00+0000 info apiserver : [APIServer] GET /api/v1/pods 200",
        "2026-12-06T17:30:05+0100 info apiserver : [APIServer] POST /api/v1/namespaces/default/configmaps 201",
        "  a continuation line without a timestamp",
        "2026-12-06T17:30:09+0000 warning apiserver : [APIServer] DELETE /api/v1/namespaces/default/configmaps/x 200",
    ]

    func reader(_ options: ContainerLogOptions) throws -> (ContainerLogReader, LogFixture) {
        let fixture = try LogFixture()
        let url = fixture.root.appendingPathComponent("apiserver.log")
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
        var r = ContainerLogReader(file: url, options: options)
        r.format = .componentLog
        return (r, fixture)
    }

    @Test func timestampsBecomeRFC3339NanoInUTC() {
        #expect(ComponentLogLine.timestamp(prefixOf: Array(lines[0].utf8)) == "2026-12-06T17:30:00.000000000Z")
        // +0100 is an hour ahead of UTC.
        #expect(ComponentLogLine.timestamp(prefixOf: Array(lines[1].utf8)) == "2026-12-06T16:30:05.000000000Z")
        #expect(ComponentLogLine.timestamp(prefixOf: Array(lines[2].utf8)) == nil)
        #expect(ComponentLogLine.timestamp(prefixOf: Array("2026-02-31T10:00:00+0000 x".utf8)) == nil)
    }

    @Test func linesAreShownAsWrittenWithTheirTimestampsOnRequest() throws {
        let (plain, f1) = try reader(ContainerLogOptions())
        defer { f1.remove() }
        #expect(String(decoding: try plain.readAll(), as: UTF8.self) == lines.map { $0 + "\n" }.joined())

        var options = ContainerLogOptions()
        options.timestamps = true
        options.tailLines = 2
        let (stamped, f2) = try reader(options)
        defer { f2.remove() }
        // The continuation line takes the timestamp of the line before it, even when that line was cut by the tail.
        #expect(String(decoding: try stamped.readAll(), as: UTF8.self) == """
            2026-12-06T16:30:05.000000000Z   a continuation line without a timestamp
            2026-12-06T17:30:09.000000000Z \(lines[3])

            """)
    }

    @Test func sinceKeepsTheLaterLines() throws {
        var options = ContainerLogOptions()
        // 17:00 UTC: the line written at 17:30:05+0100 (16:30:05 UTC) and its continuation are older.
        options.since = Date(timeIntervalSince1970: Double(RFC3339.seconds("2026-12-06T17:00:00Z")!))
        let (r, f) = try reader(options)
        defer { f.remove() }
        #expect(String(decoding: try r.readAll(), as: UTF8.self) == [lines[0], lines[3]].map { $0 + "\n" }.joined())
    }

    @Test func staticPodsWrittenBeforeLogFilesStillLoad() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("static-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(#"[{"name":"kube-scheduler","pidFile":"/x.pid","image":"i","command":["skiff","scheduler"]}]"#.utf8).write(to: url)
        let pods = StaticPod.load(url)
        #expect(pods.count == 1 && pods[0].logFile == nil && pods[0].mirrorName(node: "n") == "kube-scheduler-n")
    }
}

/// What the first attach to a stdinOnce container replays: the log so far, per channel, in order.
@Suite struct ContainerOutputReplayTests {
    @Test func replaysStdoutAndStderrInTheirOrderJoiningPartialRecords() throws {
        let fixture = try LogFixture()
        defer { fixture.remove() }
        let url = try fixture.write([
            "2026-11-24T19:01:49.100000000Z stdout F Server: 10.96.0.10",
            "2026-11-24T19:01:49.100000000Z stdout P Name: kube",
            "2026-11-24T19:01:49.100000000Z stdout F rnetes.default",
            "2026-11-24T19:01:49.200000000Z stderr F a warning",
            "2026-11-24T19:01:49.300000000Z stdout F the end",
        ])
        let replay = ContainerOutputReplay(file: url)
        let all = replay.chunks(stdout: true, stderr: true).map { ($0.channel, String(buffer: $0.data)) }
        #expect(all.map(\.0) == [StreamChannel.stdout, StreamChannel.stderr, StreamChannel.stdout])
        #expect(all.map(\.1) == ["Server: 10.96.0.10\nName: kubernetes.default\n", "a warning\n", "the end\n"])
        let outOnly = replay.chunks(stdout: true, stderr: false).map { String(buffer: $0.data) }
        #expect(outOnly == ["Server: 10.96.0.10\nName: kubernetes.default\nthe end\n"])
        #expect(ContainerOutputReplay(file: fixture.root.appendingPathComponent("missing.log")).chunks(stdout: true, stderr: true).isEmpty)
    }
}
