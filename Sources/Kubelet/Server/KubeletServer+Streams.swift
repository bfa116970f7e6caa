import NetworkNamespaces
import APIMachinery
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import KubeStreaming
import Logging
import NIOCore

/// `/exec`, `/attach` and `/portForward`: the caller's WebSocket is accepted, the runtime is asked for its
/// streaming URL, and the session goes on to the runtime's streaming server, dialed inside the node's
/// network namespace: exec and attach as the kubelet's own SPDY/3.1 session (`RemoteCommandSPDYRelay`),
/// port-forward as kubectl's SPDY bytes relayed as they are.
extension KubeletServer {
    typealias SessionHandler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    /// Upgrades a streaming request that names a known pod and container and offers a protocol this
    /// kubelet speaks; anything else is answered by `KubeletResponder` with a `Status`.
    func shouldUpgrade(_ request: HTTPRequest) async -> ShouldUpgradeResult<SessionHandler> {
        let target = request.path ?? "/"
        let pathPart = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let queryPart = target.contains("?") ? String(target.split(separator: "?", maxSplits: 1)[1]) : nil
        guard let path = KubeletRequestPath(pathPart), path.isStreaming else { return .dontUpgrade }
        let offered = StreamProtocol.offered(request.headerFields[values: .secWebSocketProtocol].joined(separator: ","))
        let query = QueryString(queryPart)
        switch path {
        case .exec(let ns, let pod, let container), .attach(let ns, let pod, let container):
            guard let negotiated = StreamProtocol.negotiate(offered: offered, supported: StreamProtocol.remoteCommand) else {
                return .dontUpgrade
            }
            let uid: String
            let podObject: JSON
            do {
                (podObject, uid) = try resolve(namespace: ns, pod: pod, container: container)
            } catch {
                // Hummingbird answers a refused upgrade with an empty 400; upgrading and ending the session
                // with the Status on the error channel gets the message to the API server (and kubectl).
                logger.info("\"HTTP\" verb=\"GET\" URI=\"\(target)\" resp=101 error=\"\(error.message)\"")
                return .upgrade([.secWebSocketProtocol: negotiated]) { _, outbound, _ in
                    try? await outbound.write(.binary(Self.failureStatus(error)))
                }
            }
            let isExec: Bool
            if case .exec = path { isExec = true } else { isExec = false }
            logger.info("\"HTTP\" verb=\"GET\" URI=\"\(target)\" resp=101 protocol=\(negotiated)")
            let replay = isExec ? nil : firstAttachReplay(pod: podObject, uid: uid, container: container)
            return .upgrade([.secWebSocketProtocol: negotiated]) { inbound, outbound, _ in
                await self.remoteCommand(exec: isExec, uid: uid, container: container, query: query,
                                         callerProtocol: negotiated, inbound: inbound, outbound: outbound, replay: replay)
            }
        case .portForward(let ns, let pod):
            guard offered.contains(StreamProtocol.portForwardTunnel),
                  let (_, uid) = try? resolve(namespace: ns, pod: pod, container: nil)
            else { return .dontUpgrade }
            logger.info("\"HTTP\" verb=\"GET\" URI=\"\(target)\" resp=101 protocol=\(StreamProtocol.portForwardTunnel)")
            return .upgrade([.secWebSocketProtocol: StreamProtocol.portForwardTunnel]) { inbound, outbound, _ in
                await self.portForward(uid: uid, inbound: inbound, outbound: outbound)
            }
        default:
            return .dontUpgrade
        }
    }

    /// One exec or attach session: v5 (or v4) WebSocket from the caller, SPDY/3.1 to containerd's streaming
    /// server (where closing stdin is a FIN on its stream, which WebSocket v4 cannot say).
    func remoteCommand(exec: Bool, uid: String, container: String, query: QueryString, callerProtocol: String,
                       inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, replay: ContainerOutputReplay? = nil) async {
        do {
            guard let runtime else {
                throw StreamingError("this node's container runtime cannot \(exec ? "exec into" : "attach to") containers (simulated node)")
            }
            let options = RemoteCommandOptions(query: query)
            let url: URL
            if exec {
                let command = query.all("command")
                guard !command.isEmpty else { throw StreamingError("you must specify at least 1 command") }
                url = try await runtime.execURL(podUID: uid, container: container, command: command, tty: options.tty,
                                                stdin: options.stdin, stdout: options.stdout, stderr: options.stderr)
            } else {
                url = try await runtime.attachURL(podUID: uid, container: container, tty: options.tty,
                                                  stdin: options.stdin, stdout: options.stdout, stderr: options.stderr)
            }
            let fd = try await NetworkNamespace.connectTCP(netnsPath: runtime.streamingNetworkNamespace, host: url.host ?? "127.0.0.1", port: url.port ?? 80)
            let upstream = try await SPDYUpgradeDialer.dialSession(Self.target(url, fd: fd), streamProtocol: StreamProtocol.v4)
            try await RemoteCommandSPDYRelay.relay(callerInbound: inbound, callerOutbound: outbound, callerProtocol: callerProtocol,
                                                   runtime: upstream, options: options, logger: logger,
                                                   replay: { replay?.chunks(stdout: options.stdout, stderr: options.stderr) ?? [] })
        } catch {
            logger.warning("\(exec ? "exec" : "attach") in pod \(uid) container \(container) failed: \(error)")
            try? await outbound.write(.binary(Self.failureStatus(error)))
        }
    }

    /// The replay for an attach that is the first to a container created with `stdin` and `stdinOnce` and
    /// no terminal — `kubectl run --rm -i NAME -- COMMAND`. Such a container starts as soon as its sandbox is
    /// up, so a short command has often written its output before kubectl, seeing the pod Running,
    /// attaches; upstream's slower start usually hides that. The first attach therefore gets what the
    /// container's log holds so far. Later attaches (and terminals, whose screen a replay would garble) get
    /// only what comes next, as upstream.
    func firstAttachReplay(pod: JSON, uid: String, container: String) -> ContainerOutputReplay? {
        guard let spec = (pod[path: ["spec", "containers"]]?.array ?? []).first(where: { $0["name"]?.string == container }),
              spec["stdin"]?.bool == true, spec["stdinOnce"]?.bool == true, spec["tty"]?.bool != true,
              let namespace = pod[path: ["metadata", "namespace"]]?.string, let name = pod[path: ["metadata", "name"]]?.string,
              let (file, attempt) = try? locator.logFile(namespace: namespace, pod: name, uid: uid, container: container, previous: false)
        else { return nil }
        let isFirst = attached.withLock { $0.insert("\(uid)/\(container)/\(attempt)").inserted }
        return isFirst ? ContainerOutputReplay(file: file) : nil
    }

    /// One port-forward session: kubectl's SPDY frames, tunnelled in WebSocket messages through the API
    /// server, are relayed as bytes to containerd's port-forward endpoint after an HTTP upgrade to SPDY/3.1,
    /// so kubectl's SPDY client talks to containerd's SPDY server end to end.
    func portForward(uid: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        do {
            guard let runtime else { throw StreamingError("this node's container runtime cannot forward ports (simulated node)") }
            let url = try await runtime.portForwardURL(podUID: uid)
            let fd = try await NetworkNamespace.connectTCP(netnsPath: runtime.streamingNetworkNamespace, host: url.host ?? "127.0.0.1", port: url.port ?? 80)
            let upstream = try await SPDYUpgradeDialer.dial(Self.target(url, fd: fd), streamProtocol: "portforward.k8s.io")
            try await ByteTunnelRelay.relay(callerInbound: inbound, callerOutbound: outbound, upstream: upstream, logger: logger)
        } catch {
            logger.warning("port-forward to pod \(uid) failed: \(error)")
            // The tunnel has no error channel: closing it is all kubectl sees.
        }
    }

    static func target(_ url: URL, fd: Int32) -> DialTarget {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var path = components?.percentEncodedPath ?? url.path
        if path.isEmpty { path = "/" }
        if let q = components?.percentEncodedQuery { path += "?" + q }
        let host = url.host ?? "127.0.0.1"
        return DialTarget(endpoint: .connectedSocket(fd), path: path, hostHeader: "\(host):\(url.port ?? 80)")
    }

    /// The error channel's `Status` for a session that failed before or while reaching its command.
    static func failureStatus(_ error: Error) -> ByteBuffer {
        switch error {
        case let e as StreamingError:
            return StreamStatus.failure(e.message, reason: e.code == 404 ? "NotFound" : "BadRequest", code: e.code)
        case let e as UpgradeRefused:
            let text = String(decoding: e.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return StreamStatus.failure("unable to upgrade connection: \(text.isEmpty ? "HTTP \(e.status)" : text)")
        default:
            return StreamStatus.failure("\(error)")
        }
    }
}
