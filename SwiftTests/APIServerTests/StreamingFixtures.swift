import APIMachinery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KubeStreaming
import Kubelet
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PKI
import Storage
import Synchronization

@testable import APIServer

/// Plays containerd's CRI streaming server: an HTTP upgrade to `SPDY/3.1` choosing `v4.channel.k8s.io`,
/// then the streams upstream's remote-command client opens, at `/exec/<behaviour>?…` and `/attach/echo?…`
/// (the query names the streams the CRI request asked for, which the server waits for, as containerd does).
///
/// Behaviours: `echo` reads stdin to its end (so only a half-close of stdin finishes it), writes it back
/// on stdout and ends with `Success`; `count` writes how many stdin bytes it read; `fail3` writes to
/// stderr and ends with exit code 3; `tty` writes the first terminal size from the resize stream, then
/// echoes stdin. Like containerd, it writes the status, resets every stream and closes.
struct FakeRuntimeStreamServer {
    enum Upgraded: Sendable {
        case spdy(SPDYConnection, String)
        case refused
    }

    struct Upgrader: NIOTypedHTTPServerProtocolUpgrader {
        typealias UpgradeResult = Upgraded
        var supportedProtocol: String { "SPDY/3.1" }
        var requiredUpgradeHeaders: [String] { [] }
        func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
            guard upgradeRequest.headers["X-Stream-Protocol-Version"].contains(StreamProtocol.v4) else {
                return channel.eventLoop.makeFailedFuture(StreamingError("no v4"))
            }
            var headers = initialResponseHeaders
            headers.add(name: "X-Stream-Protocol-Version", value: StreamProtocol.v4)
            return channel.eventLoop.makeSucceededFuture(headers)
        }
        func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Upgraded> {
            channel.eventLoop.makeCompletedFuture { .spdy(try SPDYConnection.adopt(channel, streamProtocol: StreamProtocol.v4), upgradeRequest.uri) }
        }
    }

    static func start() async throws -> (Task<Void, Error>, Int) {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: .init(upgradeConfiguration: .init(
                        upgraders: [Upgrader()],
                        notUpgradingCompletionHandler: { channel in
                            channel.close(promise: nil)
                            return channel.eventLoop.makeSucceededFuture(.refused)
                        })))
                }
            }
        let port = server.channel.localAddress?.port ?? 0
        let task = Task {
            try await server.executeThenClose { upgrades in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await upgrade in upgrades {
                        group.addTask {
                            guard case .spdy(let connection, let uri) = try await upgrade.get() else { return }
                            try? await serve(connection, uri: uri)
                        }
                    }
                }
            }
        }
        return (task, port)
    }

    static func serve(_ connection: SPDYConnection, uri: String) async throws {
        let behaviour = uri.split(separator: "?").first.flatMap { $0.split(separator: "/").last }.map(String.init) ?? ""
        let query = QueryString(uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init))
        let expected = 1 + ["stdin", "stdout", "stderr", "tty"].filter { query.bool($0) }.count
        var configuration = SPDYSession.Configuration()
        configuration.acceptsPeerStreams = true
        try await connection.run(role: .server, configuration: configuration) { session in
            var streams: [String: SPDYStream] = [:]
            var incoming = session.peerStreams.makeAsyncIterator()
            while streams.count < expected, let stream = await incoming.next() {
                streams[stream.headers["streamtype"] ?? ""] = stream
            }
            #expect(Set(streams.keys) == Set(RemoteCommandOptions(query: query).spdyStreamTypes), "the streams of the CRI request, no more")
            let status: JSON
            switch behaviour {
            case "fail3":
                try await streams["stderr"]?.write(ByteBuffer(string: "oops\n"))
                status = ["metadata": [:], "status": "Failure", "reason": "NonZeroExitCode",
                          "message": "command terminated with non-zero exit code: exit status 3",
                          "details": ["causes": [["reason": "ExitCode", "message": "3"]]]]
            case "count":
                let count = try await streams["stdin"]!.inbound.collect().readableBytes
                try await streams["stdout"]?.write(ByteBuffer(string: "\(count)\n"))
                status = ["metadata": [:], "status": "Success"]
            default:
                if behaviour == "tty", let resize = streams["resize"] {
                    var chunks = resize.inbound.makeAsyncIterator()
                    let size = try JSON.parse(Data(String(buffer: try await chunks.next() ?? ByteBuffer()).utf8))
                    try await streams["stdout"]?.write(ByteBuffer(string: "size \(size["Width"]?.int ?? 0)x\(size["Height"]?.int ?? 0)\n"))
                }
                let input = try await streams["stdin"]?.inbound.collect() ?? ByteBuffer()
                try await streams["stdout"]?.write(input)
                status = ["metadata": [:], "status": "Success"]
            }
            try await streams["error"]!.write(ByteBuffer(bytes: status.serialized()))
            for stream in streams.values { stream.reset() }
        }
    }
}

/// The runtime seam as the containerd runtime fills it, pointing at `FakeRuntimeStreamServer`.
struct FakeStreamingRuntime: StreamingRuntime {
    let port: Int
    var streamingNetworkNamespace: String? { nil }
    func streams(tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) -> String {
        "stdin=\(stdin)&stdout=\(stdout)&stderr=\(stderr)&tty=\(tty)"
    }
    func execURL(podUID: String, container: String, command: [String], tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        URL(string: "http://127.0.0.1:\(port)/exec/\(command.first ?? "none")?\(streams(tty: tty, stdin: stdin, stdout: stdout, stderr: stderr))")!
    }
    func attachURL(podUID: String, container: String, tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        URL(string: "http://127.0.0.1:\(port)/attach/echo?\(streams(tty: tty, stdin: stdin, stdout: stdout, stderr: stderr))")!
    }
    func portForwardURL(podUID: String) async throws -> URL {
        throw StreamingError("port-forward is not faked")
    }
}

/// Pods the fake kubelet serves.
final class FixedPods: PodSource {
    let pods = Mutex<[String: JSON]>([:])
    func pod(namespace: String, name: String) -> JSON? { pods.withLock { $0["\(namespace)/\(name)"] } }
    func set(_ pod: JSON) {
        let key = "\(pod[path: ["metadata", "namespace"]]?.string ?? "default")/\(pod[path: ["metadata", "name"]]?.string ?? "")"
        pods.withLock { $0[key] = pod }
    }
}

func quietLogger(_ label: String) -> Logger {
    var l = Logger(label: label)
    l.logLevel = .critical
    return l
}

/// The port a server reports once it listens.
final class PortBox: Sendable {
    let port = Mutex<Int?>(nil)
    func set(_ p: Int) { port.withLock { $0 = p } }
}

func waitForPort(_ box: PortBox) async throws -> Int {
    for _ in 0..<500 {
        if let p = box.port.withLock({ $0 }) { return p }
        // Polls: the server reports its port through `box` once bound.
        try await Task.sleep(for: .milliseconds(20))
    }
    throw APIError.internalError("server did not start")
}

/// An API server (plain HTTP, like the other tests) whose kubelets are dialed over TLS with the
/// apiserver-kubelet-client certificate, a real `KubeletServer` for node `n1` (TLS, requiring that
/// certificate), and the fake runtime streaming server behind it.
final class StreamingCluster: Sendable {
    let dir: URL
    let apiPort: Int
    let kubeletPort: Int
    let pods = FixedPods()
    /// What the kubelet's `/metrics` counts: pods synced here show as running.
    let kubeletRuntime = SimulatedRuntime()
    let logPaths: PodLogPaths
    let tasks: [Task<Void, Error>]
    let handler: APIHandler
    let pki: ClusterPKI

    /// The API server's audit, when made with a policy (its log is `auditLog`).
    let audit: AuditRecorder?
    var auditLog: URL { dir.appendingPathComponent("audit.log") }

    /// `auditPolicy`: an audit.k8s.io/v1 Policy the API server audits by, into `auditLog`.
    init(auditPolicy: String? = nil) async throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-stream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        pki = try ClusterPKI.create(at: dir.appendingPathComponent("pki"), clusterName: "t")
        try pki.issueKubeletServingCertificate(nodeName: "n1", ipAddresses: ["127.0.0.1"])
        logPaths = PodLogPaths(kubeletRoot: dir.appendingPathComponent("kubelet"))

        let (runtimeTask, runtimePort) = try await FakeRuntimeStreamServer.start()

        var kubeletConfig = KubeletServerConfig(logPaths: logPaths)
        kubeletConfig.port = 0
        kubeletConfig.tlsCertFile = pki.certificateFile("kubelet-n1-serving").path
        kubeletConfig.tlsKeyFile = pki.keyFile("kubelet-n1-serving").path
        kubeletConfig.clientCAFile = pki.certificateFile("ca").path
        let kubelet = KubeletServer(config: kubeletConfig, pods: pods, runtime: FakeStreamingRuntime(port: runtimePort),
                                    metrics: KubeletMetrics(nodeName: "n1", runtime: kubeletRuntime), logger: quietLogger("kubelet"))
        let kubeletBox = PortBox()
        let kubeletTask = Task { try await kubelet.run(onListening: { p in kubeletBox.set(p) }) }
        kubeletPort = try await waitForPort(kubeletBox)

        var config = APIServerConfig()
        config.port = 0
        config.kubeletClientCertFile = pki.certificateFile("apiserver-kubelet-client").path
        config.kubeletClientKeyFile = pki.keyFile("apiserver-kubelet-client").path
        config.kubeletCAFile = pki.certificateFile("ca").path
        config.kubeletHost = "127.0.0.1"
        if let auditPolicy {
            let file = dir.appendingPathComponent("audit-policy.yaml")
            try Data(auditPolicy.utf8).write(to: file)
            config.auditPolicyFile = file.path
            config.auditLogPath = dir.appendingPathComponent("audit.log").path
        }
        let server = try APIServer(config: config, store: try openStore(.memory), logger: quietLogger("apiserver"))
        handler = server.handler
        audit = server.audit
        let apiBox = PortBox()
        let apiTask = Task { try await server.run(onListening: { p in apiBox.set(p) }) }
        apiPort = try await waitForPort(apiBox)
        tasks = [runtimeTask, kubeletTask, apiTask]

        // Node n1 reports the kubelet's port; pod p runs there.
        _ = await send("POST", "/api/v1/nodes", ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"]])
        _ = await send("PATCH", "/api/v1/nodes/n1/status", ["status": [
            "addresses": [["type": "InternalIP", "address": "172.30.0.2"]],
            "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(kubeletPort))]],
        ]], contentType: "application/merge-patch+json")
        let created = await send("POST", "/api/v1/namespaces/default/pods", [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
            "spec": ["nodeName": "n1", "containers": [["name": "c", "image": "busybox:1.35"]]],
        ])
        var pod = try #require(created.json)
        pod[path: ["status"]] = ["phase": "Running", "containerStatuses": [["name": "c", "restartCount": 0, "state": ["running": ["startedAt": "2026-11-24T19:01:49Z"]]]]]
        pods.set(pod)
        _ = await send("PATCH", "/api/v1/namespaces/default/pods/p/status", ["status": pod["status"]!], contentType: "application/merge-patch+json")
    }

    var podUID: String { pods.pod(namespace: "default", name: "p")?[path: ["metadata", "uid"]]?.string ?? "" }

    func send(_ method: String, _ path: String, _ body: JSON? = nil, contentType: String = "application/json") async -> APIResponse {
        await handler.handle(APIRequest(method: method, path: path, query: nil, headers: ["Content-Type": contentType], body: body?.serialized() ?? Data()))
    }

    /// Writes container c's CRI log for an attempt.
    @discardableResult
    func writeLog(_ lines: [String], attempt: Int = 0) throws -> URL {
        let url = logPaths.containerLog(namespace: "default", pod: "p", uid: podUID, container: "c", restartCount: attempt)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
        return url
    }

    func stop() async {
        for t in tasks { t.cancel() }
        for t in tasks { _ = try? await t.value }
        try? FileManager.default.removeItem(at: dir)
    }
}

import Testing
