import APIMachinery
import Foundation
import KubeStreaming
import NIOSSL
import NetworkNamespaces

/// How an AdmissionReview reaches a webhook and its answer comes back: the seam between the dispatcher's
/// rules and the network, so the dispatcher is tested without sockets.
protocol WebhookTransport: Sendable {
    /// POSTs `body` to the webhook within `timeout`; returns the body of a 2xx answer.
    func post(_ webhook: AdmissionWebhook, body: [UInt8], timeout: Duration) async throws(WebhookCallFailure) -> [UInt8]
}

/// HTTPS to the webhook, as upstream's webhook client manager: a `url` is dialled from the API server's own
/// network namespace; a `service` is resolved to one of its endpoints (upstream's endpoint resolver) and
/// dialled from `serviceNetworkNamespace` — the control-plane node's namespace, which routes every pod
/// address, as kind's API server reaches pods from its node container. The TLS server name is
/// `NAME.NAMESPACE.svc`, checked against `caBundle`.
struct DialingWebhookTransport: WebhookTransport {
    /// A Service's address and port for a service reference, or a message saying why there is none.
    typealias ServiceResolver = @Sendable (_ namespace: String, _ name: String, _ port: Int) async -> Result<(host: String, port: Int), ServiceResolutionError>

    struct ServiceResolutionError: Error, Sendable { var message: String }

    let resolveService: ServiceResolver
    let serviceNetworkNamespace: String?

    func post(_ webhook: AdmissionWebhook, body: [UInt8], timeout: Duration) async throws(WebhookCallFailure) -> [UInt8] {
        let seconds = max(1, timeout.components.seconds + (timeout.components.attoseconds > 0 ? 1 : 0))
        let timeoutQuery = "timeout=\(seconds)s"
        func failure(_ url: String, _ why: String) -> WebhookCallFailure {
            WebhookCallFailure(webhook: webhook.name, reason: "failed to call webhook: Post \(GoQuoting.quote(url)): \(why)")
        }
        let url: String, serverName: String, hostHeader: String, path: String
        var urlPort = 443
        switch webhook.endpoint {
        case .service(let ns, let name, let servicePath, let port):
            serverName = "\(name).\(ns).svc"
            hostHeader = "\(serverName):\(port)"
            path = servicePath + (servicePath.contains("?") ? "&" : "?") + timeoutQuery
            url = "https://\(hostHeader)\(path)"
        case .url(let text):
            guard let parsed = URLComponents(string: text), parsed.scheme == "https", let host = parsed.host, !host.isEmpty else {
                throw WebhookCallFailure(webhook: webhook.name, reason: "could not get REST client: 'https' is the only allowed URL scheme")
            }
            serverName = host
            let port = parsed.port ?? 443
            urlPort = port
            hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            let base = parsed.percentEncodedPath.isEmpty ? "/" : parsed.percentEncodedPath
            path = base + "?" + ([parsed.percentEncodedQuery, timeoutQuery].compactMap { $0 }.joined(separator: "&"))
            url = "https://\(hostHeader)\(path)"
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if !webhook.caBundle.isEmpty {
            guard let roots = try? NIOSSLCertificate.fromPEMBytes(Array(webhook.caBundle)), !roots.isEmpty else {
                throw WebhookCallFailure(webhook: webhook.name, reason: "could not get REST client: unable to load root certificates: unable to parse bytes as PEM block")
            }
            tls.trustRoots = .certificates(roots)
        }
        // Numeric IPv4 addresses are dialled with a socket of our own (inside the Service network's
        // namespace for Services), which reports errors as Go's dialer does; names go through NIO's resolver.
        let endpoint: (host: String, port: Int, netns: String?, ownSocket: Bool)
        switch webhook.endpoint {
        case .service(let ns, let name, _, let port):
            switch await resolveService(ns, name, port) {
            case .success(let address): endpoint = (address.host, address.port, serviceNetworkNamespace, true)
            case .failure(let e): throw failure(url, e.message)
            }
        case .url:
            endpoint = (serverName, urlPort, nil, !serverName.contains("/") && IPv4CIDR(serverName) != nil)
        }
        let tlsConfiguration = tls
        let response: HTTPExchange.Response
        do {
            response = try await Self.withDeadline(timeout) {
                let target: DialTarget
                if endpoint.ownSocket {
                    let fd = try await NetworkNamespace.connectedSocket(netnsPath: endpoint.netns, kind: .stream, host: endpoint.host,
                                                                        port: endpoint.port, connectTimeout: timeout)
                    if Task.isCancelled {
                        close(fd)
                        throw CancellationError()
                    }
                    target = DialTarget(endpoint: .connectedSocket(fd), path: path, hostHeader: hostHeader, tls: tlsConfiguration, serverHostname: serverName)
                } else {
                    target = DialTarget(endpoint: .host(endpoint.host, port: endpoint.port), path: path, hostHeader: hostHeader,
                                        tls: tlsConfiguration, serverHostname: serverName)
                }
                return try await HTTPExchange.send(target, body: body, contentType: "application/json")
            }
        } catch is DeadlineExceeded {
            throw failure(url, "context deadline exceeded")
        } catch let e as NetworkNamespace.SocketError {
            let why = e.errorNumber.map { String(cString: strerror($0)) }.map { $0.prefix(1).lowercased() + $0.dropFirst() } ?? e.description
            throw failure(url, "dial tcp \(endpoint.host):\(endpoint.port): connect: \(why)")
        } catch let e as NIOSSLError {
            throw failure(url, "tls: \(e)")
        } catch let e as BoringSSLError {
            throw failure(url, "tls: failed to verify certificate: \(e)")
        } catch {
            throw failure(url, "\(error)")
        }
        guard (200..<300).contains(response.status) else {
            // As client-go's REST client: a Status body speaks for itself, anything else by its code.
            if let status = try? JSON.parse(response.body), status["kind"]?.string == "Status", let message = status["message"]?.string {
                throw failure(url, message)
            }
            throw WebhookCallFailure(webhook: webhook.name,
                                     reason: "failed to call webhook: the server responded with the status code \(response.status) but did not return more information")
        }
        return response.body
    }

    struct DeadlineExceeded: Error {}

    /// Runs `body`, cancelling it at `timeout` (upstream wraps each call in a context with the webhook's timeout).
    static func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
            return value
        }
    }
}
