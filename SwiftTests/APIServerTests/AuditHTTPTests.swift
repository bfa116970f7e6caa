import APIMachinery
import AsyncHTTPClient
import Foundation
import KubeStreaming
import NIOCore
import Storage
import Testing

@testable import APIServer

/// A running API server with `--audit-policy-file` and `--audit-log-path`: what reaches the file through
/// the HTTP layer, and the `Audit-Id` header.
@Suite(.serialized, .timeLimit(.minutes(1))) struct AuditHTTPTests {
    @Test func requestsAndWatchesReachTheLog() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-audit-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("policy.yaml")
        try Data("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: ['/readyz*']\n- level: Metadata\n".utf8).write(to: policy)
        var config = APIServerConfig()
        config.port = 0
        config.auditPolicyFile = policy.path
        config.auditLogPath = dir.appendingPathComponent("audit.log").path
        let server = try APIServer(config: config, store: try openStore(.memory), logger: quietLogger("apiserver"))
        let box = PortBox()
        let task = Task { try await server.run(onListening: { box.set($0) }) }
        defer { task.cancel() }
        let port = try await waitForPort(box)
        let writer = try #require(server.audit?.sink as? AuditLogWriter)

        var get = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/namespaces/default/configmaps?limit=500")
        get.headers.add(name: "Audit-ID", value: "client-chosen-id")
        get.headers.add(name: "User-Agent", value: "audit-test/1.0")
        let answered = try await HTTPClient.shared.execute(get, timeout: .seconds(30))
        #expect(answered.status.code == 200)
        #expect(answered.headers["Audit-Id"] == ["client-chosen-id"])
        _ = try await answered.body.collect(upTo: 1 << 20)

        // A server-chosen id otherwise; the health endpoint is not audited by this policy.
        let probe = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(30))
        let probeID = try #require(probe.headers["Audit-Id"].first)
        #expect(UUID(uuidString: probeID) != nil)
        _ = try await probe.body.collect(upTo: 1 << 20)

        // A watch that the server ends after a second (timeoutSeconds).
        let watch = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1"), timeout: .seconds(30))
        let watchID = try #require(watch.headers["Audit-Id"].first)
        _ = try await watch.body.collect(upTo: 1 << 20)

        writer.flush()
        let events = try String(contentsOf: dir.appendingPathComponent("audit.log"), encoding: .utf8)
            .split(separator: "\n").map { try JSON.parse(String($0)) }
        let mine = events.filter { $0["auditID"]?.string == "client-chosen-id" }
        #expect(mine.map { $0["stage"]?.string } == ["RequestReceived", "ResponseComplete"])
        let done = try #require(mine.last)
        #expect(done["verb"]?.string == "list")
        #expect(done["requestURI"]?.string == "/api/v1/namespaces/default/configmaps?limit=500")
        #expect(done["userAgent"]?.string == "audit-test/1.0")
        #expect(done["sourceIPs"] == ["127.0.0.1"])
        #expect(done["user"] == ["username": "system:admin"])
        #expect(done["objectRef"] == ["resource": "configmaps", "namespace": "default", "apiVersion": "v1"])
        #expect(done["responseStatus"] == ["metadata": [:], "code": 200])
        #expect(!events.contains { $0["auditID"]?.string == probeID })
        let watched = events.filter { $0["auditID"]?.string == watchID }
        #expect(watched.map { $0["stage"]?.string } == ["RequestReceived", "ResponseStarted", "ResponseComplete"])
        #expect(watched.map { $0["verb"]?.string } == ["watch", "watch", "watch"])
    }

    /// A WebSocket exec is audited from its upgrade (101, ResponseStarted) to the session's end.
    @Test func anExecSessionIsAuditedUntilItEnds() async throws {
        let cluster = try await StreamingCluster(auditPolicy: "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{resources: [pods/exec]}]\n")
        defer { Task { await cluster.stop() } }
        let writer = try #require(cluster.audit?.sink as? AuditLogWriter)
        let path = "/api/v1/namespaces/default/pods/p/exec?command=echo&container=c&stdin=true&stdout=true"
        let ws = try await WebSocketDialer.dial(.host("127.0.0.1", port: cluster.apiPort, path: path), protocols: [StreamProtocol.v5])
        _ = try await ws.run { messages, writer in
            try await writer.binary(ByteBuffer(bytes: [0] + Array("hi\n".utf8)))
            try await writer.binary(ByteBuffer(bytes: [255, 0]))
            for try await _ in messages {}
        }
        func stages() throws -> [String] {
            writer.flush()
            guard let text = try? String(contentsOf: cluster.auditLog, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map { try JSON.parse(String($0)) }
                .filter { $0["requestURI"]?.string == path }.compactMap { $0["stage"]?.string }
        }
        // The session ends on the server just after the client sees it close.
        for _ in 0..<500 where try stages().count < 3 {
            // Polls the audit log file: its writer has no signal for "this event is on disk".
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try stages() == ["RequestReceived", "ResponseStarted", "ResponseComplete"])
        let events = try String(contentsOf: cluster.auditLog, encoding: .utf8).split(separator: "\n").map { try JSON.parse(String($0)) }
        let started = try #require(events.first { $0["stage"]?.string == "ResponseStarted" })
        #expect(started["verb"]?.string == "get")
        #expect(started["objectRef"] == ["resource": "pods", "namespace": "default", "name": "p", "apiVersion": "v1", "subresource": "exec"])
        #expect(started["responseStatus"] == ["metadata": [:], "code": 101])
    }
}
