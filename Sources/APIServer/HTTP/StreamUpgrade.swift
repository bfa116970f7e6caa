import APIMachinery
import Foundation
import HTTPTypes
import HummingbirdWebSocket
import KubeStreaming
import Logging
import NIOCore
import PKI

/// kubectl's WebSocket sessions for `pods/exec`, `pods/attach` (`v5.channel.k8s.io`, or v4) and
/// `pods/portforward` (`SPDY/3.1+portforward.k8s.io`).
///
/// A request is upgraded only once it is authenticated and `streamTarget` found the pod, container and
/// kubelet. Otherwise Hummingbird refuses the upgrade with an empty 400, which kubectl treats as an
/// upgrade failure: it retries the same URL as SPDY, a plain request that the responder answers with the
/// same checks' `Status` (404 for an unknown pod, 400 for a bad container, 401 without credentials), and
/// kubectl prints that. After the 101 the
/// API server opens the same protocol on the kubelet and relays whole messages both ways (see
/// `WebSocketRelay` for why messages and not bytes). A kubelet that cannot be reached or refuses ends the
/// session with a `Status` on the error channel, which kubectl prints.
struct StreamUpgrade: Sendable {
    let api: APIHandler
    let accessLog: Logger
    let authenticator: Authenticator?
    /// Audits the sessions it upgrades (RequestReceived, ResponseStarted with 101, ResponseComplete when the
    /// session ends). A refused upgrade is not audited here: kubectl retries it as a plain request, which
    /// the responder audits with its real status.
    var audit: AuditRecorder? = nil

    typealias SessionHandler = WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>

    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) async -> ShouldUpgradeResult<SessionHandler> {
        let target = request.path ?? "/"
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let query = QueryParameters(parts.count > 1 ? String(parts[1]) : nil)
        guard let ri = RequestInfo(path: path), ri.group == "", ri.resource == "pods", let name = ri.name,
              let namespace = ri.namespace, let subresource = ri.subresource,
              ["exec", "attach", "portforward"].contains(subresource)
        else { return .dontUpgrade }
        let offered = StreamProtocol.offered(request.headerFields[values: .secWebSocketProtocol].joined(separator: ","))
        let supported = subresource == "portforward" ? [StreamProtocol.portForwardTunnel] : StreamProtocol.remoteCommand
        guard let negotiated = StreamProtocol.negotiate(offered: offered, supported: supported) else { return .dontUpgrade }

        let received = audit?.now() ?? Date()
        var user = "system:admin"
        var userInfo = AuthenticatedUser(name: user)
        var decision = AuthorizationDecision.allow(reason: "")
        if let authenticator {
            let chain = await PeerCertificates.of(channel)
            guard let who = await authenticator.authenticate(peerChain: chain, authorization: request.headerFields[.authorization]) else {
                return .dontUpgrade
            }
            user = who.name
            userInfo = who
            // A WebSocket upgrade is a GET, but it opens a session: upstream checks `create` on the
            // subresource, as for the SPDY POST. A refused upgrade makes kubectl retry with SPDY, whose
            // plain request gets the 403 Status from the responder.
            let check = AuthorizationAttributes(user: who, verb: "create", namespace: namespace, resource: "pods", subresource: subresource, name: name)
            decision = await api.isAllowed(check)
            guard decision.isAllowed else { return .dontUpgrade }
        }
        let location: KubeletLocation
        let kubeletPath: String
        do {
            (location, kubeletPath) = try await api.streamTarget(namespace: namespace, pod: name, subresource: subresource, query: query)
        } catch {
            return .dontUpgrade
        }
        let userAgent = request.headerFields[.userAgent] ?? ""
        accessLog.info("\"HTTP\" verb=\"GET\" URI=\"\(target)\" latency=\"0.000ms\" userAgent=\"\(userAgent)\" user=\"\(user)\" resp=101")
        let dial = api.kubeletConnector.target(location, path: kubeletPath)
        let log = accessLog
        let who = user
        let audited = audit?.begin(arrival(request, target: target, path: path, query: query, channel: channel, received: received), user: userInfo)
        audited?.emit(.requestReceived)
        if authenticator != nil { audited?.authorized(decision) }
        audited?.responded(APIResponse(status: 101, body: .data(Data())))
        return .upgrade([.secWebSocketProtocol: negotiated]) { inbound, outbound, _ in
            let start = ContinuousClock.now
            await Self.session(dial: dial, protocol: negotiated, remoteCommand: subresource != "portforward",
                               inbound: inbound, outbound: outbound, logger: log)
            audited?.completed()
            log.info("\"STREAM\" URI=\"\(target)\" user=\"\(who)\" ended after \(ContinuousClock.now - start)")
        }
    }

    private func arrival(_ request: HTTPRequest, target: String, path: String, query: QueryParameters, channel: any Channel,
                         received: Date) -> AuditRecorder.Arrival {
        var headers: [String: String] = [:]
        for field in request.headerFields {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let auditID = headers["audit-id"].flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
        return AuditRecorder.Arrival(method: "GET", requestURI: target, path: path, query: query, headers: headers,
                                     remoteAddress: channel.remoteAddress?.ipAddress, auditID: auditID, received: received)
    }

    static func session(dial: DialTarget, protocol negotiated: String, remoteCommand: Bool,
                        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        do {
            let upstream = try await WebSocketDialer.dial(dial, protocols: [negotiated])
            try await WebSocketRelay.relay(callerInbound: inbound, callerOutbound: outbound, upstream: upstream, logger: logger)
        } catch let refused as UpgradeRefused {
            logger.warning("kubelet refused the stream \(dial.path): \(refused)")
            guard remoteCommand else { return }
            let error = APIHandler.kubeletError(status: refused.status, body: Data(refused.body))
            try? await outbound.write(.binary(StreamStatus.failure(error.message, reason: error.reason, code: error.code)))
        } catch {
            logger.warning("cannot reach the kubelet for \(dial.path): \(error)")
            guard remoteCommand else { return }
            try? await outbound.write(.binary(StreamStatus.failure("error dialing backend: \(error)")))
        }
    }
}
