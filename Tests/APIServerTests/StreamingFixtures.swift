import APIMachinery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import KubeStreaming
import Kubelet
import Logging
import NIOCore
import PKI
import Storage
import Synchronization

@testable import APIServer

/// Plays containerd's CRI streaming server: v4 WebSocket sessions at `/exec/<behaviour>` and
/// `/attach/<behaviour>`. `echo` answers each stdin message on stdout and ends with a Success status;
/// `fail3` writes to stderr and ends with exit code 3.
struct FakeRuntimeStreamServer {
    static func start() async throws -> (Task<Void, Error>, Int) {
        let router = Router()
        let portBox = PortBox()
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade { request, _, _ in
                let offered = StreamProtocol.offered(request.headerFields[values: .secWebSocketProtocol].joined(separator: ","))
                guard offered.contains(StreamProtocol.v4) else { return .dontUpgrade }
                let behaviour = (request.path ?? "").split(separator: "/").last.map(String.init) ?? ""
                return .upgrade([.secWebSocketProtocol: StreamProtocol.v4]) { inbound, outbound, _ in
                    // containerd first sends an empty stdout message: "the stream is open".
                    try await outbound.write(.binary(ByteBuffer(bytes: [1])))
                    if behaviour.hasPrefix("fail3") {
                        try await outbound.write(.binary(ByteBuffer(bytes: [2] + Array("oops\n".utf8))))
                        let status: JSON = ["metadata": [:], "status": "Failure", "reason": "NonZeroExitCode",
                                            "message": "command terminated with non-zero exit code: exit status 3",
                                            "details": ["causes": [["reason": "ExitCode", "message": "3"]]]]
                        try await outbound.write(.binary(ByteBuffer(bytes: [3] + Array(status.serialized()))))
                        return
                    }
                    var iterator = inbound.makeAsyncIterator()
                    while let message = try await iterator.nextMessage(maxSize: 1 << 20) {
                        guard case .binary(var buffer) = message, let channel = buffer.readInteger(as: UInt8.self) else { continue }
                        #expect(channel != 255, "a v4 runtime must never see the v5 close signal")
                        if channel == 0 {
                            try await outbound.write(.binary(ByteBuffer(bytes: [1] + Array(buffer.readableBytesView))))
                            try await outbound.write(.binary(StreamStatus.success()))
                            return
                        }
                    }
                }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portBox.set(channel.localAddress?.port ?? 0) },
            logger: quietLogger("fake-containerd"))
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        return (task, try await waitForPort(portBox))
    }
}

/// The runtime seam as the containerd runtime will fill it, pointing at `FakeRuntimeStreamServer`.
struct FakeStreamingRuntime: StreamingRuntime {
    let port: Int
    var streamingNetworkNamespace: String? { nil }
    func execURL(podUID: String, container: String, command: [String], tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        URL(string: "http://127.0.0.1:\(port)/exec/\(command.first ?? "none")")!
    }
    func attachURL(podUID: String, container: String, tty: Bool, stdin: Bool, stdout: Bool, stderr: Bool) async throws -> URL {
        URL(string: "http://127.0.0.1:\(port)/attach/echo")!
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
    let logPaths: PodLogPaths
    let tasks: [Task<Void, Error>]
    let handler: APIHandler
    let pki: ClusterPKI

    init() async throws {
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
        let kubelet = KubeletServer(config: kubeletConfig, pods: pods, runtime: FakeStreamingRuntime(port: runtimePort), logger: quietLogger("kubelet"))
        let kubeletBox = PortBox()
        let kubeletTask = Task { try await kubelet.run(onListening: { p in kubeletBox.set(p) }) }
        kubeletPort = try await waitForPort(kubeletBox)

        var config = APIServerConfig()
        config.port = 0
        config.kubeletClientCertFile = pki.certificateFile("apiserver-kubelet-client").path
        config.kubeletClientKeyFile = pki.keyFile("apiserver-kubelet-client").path
        config.kubeletCAFile = pki.certificateFile("ca").path
        config.kubeletHost = "127.0.0.1"
        let server = try APIServer(config: config, store: try openStore(.memory), logger: quietLogger("apiserver"))
        handler = server.handler
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
