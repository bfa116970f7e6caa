import APIMachinery
import AsyncHTTPClient
import Foundation
import KubeStreaming
import Kubelet
import NIOCore
import NIOSSL
import Testing

@testable import APIServer

/// logs, exec and attach through a running API server to a real `KubeletServer` over mutual TLS, and on
/// to a fake runtime streaming server — with a NIO WebSocket client and, when it is installed, kubectl.
let kubectlPath = "/usr/bin/kubectl"

@Suite(.serialized) struct StreamingTests {
    func get(_ cluster: StreamingCluster, _ path: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(cluster.apiPort)\(path)"), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    @Test func logsStreamFromTheKubelet() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        try cluster.writeLog(["2026-11-24T19:01:49.5Z stdout F hello", "2026-11-24T19:01:50Z stderr F world"])
        let (status, body) = try await get(cluster, "/api/v1/namespaces/default/pods/p/log?container=c")
        #expect(status == 200)
        #expect(body == "hello\nworld\n")
        let (_, stamped) = try await get(cluster, "/api/v1/namespaces/default/pods/p/log?tailLines=1&timestamps=true")
        #expect(stamped == "2026-11-24T19:01:50Z world\n")
    }

    @Test func logErrorsAreUpstreamsStatuses() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        try cluster.writeLog(["2026-11-24T19:01:49Z stdout F hello"])
        let missing = await cluster.send("GET", "/api/v1/namespaces/default/pods/nosuch/log")
        #expect(missing.status == 404)
        let badContainer = await cluster.handler.handle(APIRequest(method: "GET", path: "/api/v1/namespaces/default/pods/p/log", query: "container=x", headers: [:], body: Data()))
        #expect(badContainer.status == 400)
        #expect(badContainer.json?["message"]?.string == "container x is not valid for pod p")
        let (status, body) = try await get(cluster, "/api/v1/namespaces/default/pods/p/log?previous=true")
        #expect(status == 400)
        #expect(body.contains("previous terminated container \\\"c\\\" in pod \\\"p\\\" not found"))
    }

    @Test func followKeepsStreamingAppendedLines() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        let url = try cluster.writeLog(["2026-11-24T19:01:49Z stdout F one"])
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(cluster.apiPort)/api/v1/namespaces/default/pods/p/log?follow=true"), timeout: .seconds(30))
        #expect(response.status.code == 200)
        var chunks = response.body.makeAsyncIterator()
        var seen = ""
        while !seen.contains("one\n"), let c = try await chunks.next() { seen += String(buffer: c) }
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data("2026-11-24T19:01:50Z stdout F two\n".utf8))
        try h.close()
        while !seen.contains("two\n"), let c = try await chunks.next() { seen += String(buffer: c) }
        #expect(seen == "one\ntwo\n")
    }

    /// A v5 session through the API server and the kubelet to the (SPDY) runtime; returns what came back.
    func session(_ cluster: StreamingCluster, _ path: String, send: [[UInt8]]) async throws -> [[UInt8]] {
        let ws = try await WebSocketDialer.dial(.host("127.0.0.1", port: cluster.apiPort, path: path), protocols: [StreamProtocol.v5])
        #expect(ws.subprotocol == StreamProtocol.v5)
        return try await ws.run { messages, writer in
            for m in send { try await writer.binary(ByteBuffer(bytes: m)) }
            var out: [[UInt8]] = []
            for try await m in messages { out.append(Array(m.readableBytesView)) }
            return out
        }
    }

    func stdout(_ received: [[UInt8]]) -> String {
        received.filter { $0.first == 1 }.map { String(decoding: $0.dropFirst(), as: UTF8.self) }.joined()
    }

    @Test func closingStdinOverV5IsAFinOnTheRuntimesStdinStream() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        // The fake's `echo` answers only once stdin has ended.
        let received = try await session(cluster, "/api/v1/namespaces/default/pods/p/exec?command=echo&container=c&stdin=true&stdout=true&stderr=true",
                                         send: [[0] + Array("hello\n".utf8), [255, 0]])
        #expect(stdout(received) == "hello\n")
        let status = try #require(received.last { $0.first == 3 })
        #expect(try JSON.parse(Data(status.dropFirst()))["status"]?.string == "Success")
    }

    @Test func aTerminalSessionSendsResizesAndHasNoStderrStream() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        // kubectl asks for stderr with -t too; the runtime (and so the kubelet) must leave it out.
        let received = try await session(cluster, "/api/v1/namespaces/default/pods/p/exec?command=tty&container=c&stdin=true&stdout=true&stderr=true&tty=true",
                                         send: [[4] + Array(#"{"Width":100,"Height":30}"#.utf8), [0] + Array("x".utf8), [255, 0]])
        #expect(stdout(received) == "size 100x30\nx")
    }

    @Test func attachRelaysStdinAndItsEnd() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        let received = try await session(cluster, "/api/v1/namespaces/default/pods/p/attach?container=c&stdin=true&stdout=true",
                                         send: [[0] + Array("attached".utf8), [255, 0]])
        #expect(stdout(received) == "attached")
    }

    @Test func execErrorsBeforeTheUpgradeAreStatuses() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        // kubectl's SPDY fallback: a POST without a WebSocket upgrade.
        let spdy = await cluster.handler.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/pods/p/exec", query: "command=ls&stdout=true", headers: [:], body: Data()))
        #expect(spdy.status == 400)
        #expect(spdy.json?["message"]?.string?.contains("WebSocket only") == true)
        let missing = await cluster.handler.handle(APIRequest(method: "POST", path: "/api/v1/namespaces/default/pods/nosuch/exec", query: "command=ls", headers: [:], body: Data()))
        #expect(missing.status == 404)
        // A refused upgrade is an empty 400 (kubectl then retries as SPDY and gets the Status above).
        do {
            _ = try await WebSocketDialer.dial(.host("127.0.0.1", port: cluster.apiPort, path: "/api/v1/namespaces/default/pods/p/exec?command=ls&container=zz"),
                                               protocols: [StreamProtocol.v5])
            Issue.record("upgrade of an invalid container was accepted")
        } catch let refused as UpgradeRefused {
            #expect(refused.status == 400)
        }
    }

    @Test func theKubeletRequiresTheClusterCAsClientCertificate() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cluster.pki.certificateFile("ca").path))
        var anonymous = HTTPClientRequest(url: "https://127.0.0.1:\(cluster.kubeletPort)/healthz")
        anonymous.tlsConfiguration = tls
        await #expect(throws: (any Error).self) {
            _ = try await HTTPClient.shared.execute(anonymous, timeout: .seconds(10))
        }
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cluster.pki.certificateFile("apiserver-kubelet-client").path).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: cluster.pki.keyFile("apiserver-kubelet-client").path, format: .pem))
        var authenticated = anonymous
        authenticated.tlsConfiguration = tls
        let ok = try await HTTPClient.shared.execute(authenticated, timeout: .seconds(10))
        #expect(ok.status.code == 200)
    }

    @Test func theKubeletsMetricsCountItsRunningPodsBehindTheSameClientCertificate() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(cluster.pki.certificateFile("ca").path))
        var anonymous = HTTPClientRequest(url: "https://127.0.0.1:\(cluster.kubeletPort)/metrics")
        anonymous.tlsConfiguration = tls
        await #expect(throws: (any Error).self) {
            _ = try await HTTPClient.shared.execute(anonymous, timeout: .seconds(10))
        }
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cluster.pki.certificateFile("apiserver-kubelet-client").path).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: cluster.pki.keyFile("apiserver-kubelet-client").path, format: .pem))
        var authenticated = anonymous
        authenticated.tlsConfiguration = tls
        func scrape() async throws -> String {
            let response = try await HTTPClient.shared.execute(authenticated, timeout: .seconds(10))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            return String(buffer: try await response.body.collect(upTo: 1 << 20))
        }
        let before = try await scrape()
        #expect(before.contains("kubelet_node_name{node=\"n1\"} 1"))
        #expect(before.contains("kubelet_running_pods 0"))
        #expect(before.contains("# TYPE kubelet_pod_start_duration_seconds histogram"))

        let pod = try #require(cluster.pods.pod(namespace: "default", name: "p"))
        _ = try await cluster.kubeletRuntime.syncPod(pod, context: PodSyncContext())
        let after = try await scrape()
        #expect(after.contains("kubelet_running_pods 1"))
        #expect(after.contains("kubelet_running_containers{container_state=\"running\"} 1"))
        #expect(after.contains("kubelet_running_containers{container_state=\"exited\"} 0"))
    }

    // MARK: The real kubectl


    /// Runs kubectl against the cluster's API server; returns exit code, stdout and stderr.
    func kubectl(_ cluster: StreamingCluster, _ args: [String], stdin: String? = nil) async throws -> (Int32, String, String) {
        try await kubectl(cluster, args, input: stdin.map { Data($0.utf8) })
    }

    func kubectl(_ cluster: StreamingCluster, _ args: [String], input: Data?) async throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectlPath)
        process.arguments = ["--server=http://127.0.0.1:\(cluster.apiPort)", "--request-timeout=30s"] + args
        process.environment = ["HOME": cluster.dir.path, "KUBECONFIG": cluster.dir.appendingPathComponent("none").path, "PATH": "/usr/bin:/bin"]
        let stdinData = input
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let exited = AsyncStream<Int32> { continuation in
            process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        }
        try process.run()
        // Written from a Dispatch thread: a large input blocks until kubectl has read it.
        let writing = input.fileHandleForWriting
        DispatchQueue.global().async {
            if let stdinData { writing.write(stdinData) }
            try? writing.close()
        }
        // Read the pipes on Dispatch threads, never on the cooperative pool the in-process servers need.
        func drain(_ pipe: Pipe) async -> Data {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }
            }
        }
        async let stdout = drain(out)
        async let stderr = drain(err)
        var code: Int32 = -1
        for await c in exited { code = c }
        return (code, String(decoding: await stdout, as: UTF8.self), String(decoding: await stderr, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: kubectlPath)))
    func kubectlLogsExecAndExitCodes() async throws {
        let cluster = try await StreamingCluster()
        defer { Task { await cluster.stop() } }
        try cluster.writeLog(["2026-11-24T19:01:49Z stdout F from the container"])
        let logs = try await kubectl(cluster, ["logs", "p"])
        #expect(logs.0 == 0)
        #expect(logs.1 == "from the container\n")

        let exec = try await kubectl(cluster, ["exec", "-i", "p", "--", "echo"], stdin: "hello\n")
        #expect(exec.0 == 0, "stderr: \(exec.2)")
        #expect(exec.1 == "hello\n")

        let failing = try await kubectl(cluster, ["exec", "p", "--", "fail3"])
        #expect(failing.0 == 3, "stderr: \(failing.2)")
        #expect(failing.2.contains("oops"))

        // 1 MiB through the SPDY stdin stream (the fake's session sends WINDOW_UPDATEs, so the kubelet's
        // windows hold from the first one on), then the end of file.
        let big = try await kubectl(cluster, ["exec", "-i", "p", "--", "count"], input: Data(repeating: 0x61, count: 1 << 20))
        #expect(big.0 == 0, "stderr: \(big.2)")
        #expect(big.1 == "1048576\n")

        let notFound = try await kubectl(cluster, ["exec", "nosuch", "--", "ls"])
        #expect(notFound.0 != 0)
        #expect(notFound.2.contains("pods \"nosuch\" not found"))
    }
}
