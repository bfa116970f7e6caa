import APIMachinery
import Foundation
import PKI
import Synchronization
import Testing

@testable import APIServer

/// `--audit-log-path`: a private file, appended to, rotated by size, written off the request path.
@Suite(.timeLimit(.minutes(1))) struct AuditLogWriterTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-audit-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func event(_ n: Int) -> AuditEvent {
        AuditEvent(level: .metadata, auditID: "id-\(n)", stage: .responseComplete, requestURI: "/api/v1/pods?n=\(n)", verb: "list",
                   user: AuthenticatedUser(name: "u"), impersonatedUser: nil, sourceIPs: ["127.0.0.1"], userAgent: "t",
                   objectRef: nil, responseStatus: .init(code: 200), requestObject: nil, responseObject: nil,
                   requestReceivedTimestamp: Date(), stageTimestamp: Date(), annotations: [:])
    }

    func lines(_ path: String) throws -> [JSON] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        return try text.split(separator: "\n").map { try JSON.parse(String($0)) }
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Many requests at once: every event is one whole line, none lost, and the file is 0600.
    @Test func concurrentEventsAreWholeLinesInAPrivateFile() async throws {
        let path = dir.appendingPathComponent("logs/audit.log").path
        let writer = try AuditLogWriter(path: path, logger: quietLogger("audit"))
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask { for i in 0..<200 { writer.process(event(t * 1000 + i)) } }
            }
        }
        writer.flush()
        let ids = Set(try lines(path).compactMap { $0["auditID"]?.string })
        #expect(ids.count == 1600)
        #expect(try mode(path) == 0o600)
    }

    /// A restarted server appends; an existing file made wider than 0600 is narrowed.
    @Test func anExistingLogIsAppendedToAndNarrowed() throws {
        let path = dir.appendingPathComponent("audit.log").path
        FileManager.default.createFile(atPath: path, contents: Data(#"{"kind":"Event","auditID":"old"}"#.utf8 + [0x0A]),
                                       attributes: [.posixPermissions: 0o644])
        let writer = try AuditLogWriter(path: path, logger: quietLogger("audit"))
        writer.process(event(1))
        writer.flush()
        #expect(try lines(path).map { $0["auditID"]?.string } == ["old", "id-1"])
        #expect(try mode(path) == 0o600)
    }

    /// Past the size the file is renamed with the time of rotation and a new one started; only the
    /// newest backups are kept.
    @Test func rotationKeepsTheNewestBackups() throws {
        let path = dir.appendingPathComponent("audit.log").path
        let clock = Date(timeIntervalSince1970: 1_796_630_400)
        let tick = TickingClock(clock)
        let line = event(0).jsonLine()
        // Two lines fit, a third does not.
        var file = try AuditLogFile(path: path, maxBytes: 2 * line.count + 10, maxBackups: 2, now: { tick.next() })
        for _ in 0..<9 { try file.append(line) }
        let backups = AuditLogFile.backups(of: path)
        #expect(backups.map { URL(fileURLWithPath: $0).lastPathComponent } == ["audit-2026-12-07T08-00-03.000.log", "audit-2026-12-07T08-00-04.000.log"])
        for b in backups {
            #expect(try lines(b).count == 2)
            #expect(try mode(b) == 0o600)
        }
        #expect(try lines(path).count == 1)
        #expect(try mode(path) == 0o600)
    }

    @Test func aLogThatCannotBeOpenedStopsTheServer() throws {
        let blocker = dir.appendingPathComponent("file")
        FileManager.default.createFile(atPath: blocker.path, contents: Data())
        #expect(throws: (any Error).self) { try AuditLogWriter(path: blocker.appendingPathComponent("audit.log").path) }
    }
}

/// A clock that advances a second each time it is read.
final class TickingClock: Sendable {
    private let start: Date
    private let reads = Mutex(0)
    init(_ start: Date) { self.start = start }
    func next() -> Date {
        reads.withLock { n in
            n += 1
            return start.addingTimeInterval(Double(n))
        }
    }
}
