import APIMachinery
import Foundation
import KubeStreaming
import NIOSSL

/// How the API server reaches kubelets: the address and port a Node reports (or `--kubelet-host`), and
/// the TLS identity it presents (the `apiserver-kubelet-client` certificate) and trusts (the cluster CA).
struct KubeletConnector: Sendable {
    let tls: TLSConfiguration?
    let hostOverride: String?

    init(config: APIServerConfig) throws {
        hostOverride = config.kubeletHost
        guard config.kubeletsUseTLS else {
            tls = nil
            return
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let cert = config.kubeletClientCertFile, let key = config.kubeletClientKeyFile {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        if let ca = config.kubeletCAFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        }
        self.tls = tls
    }

    var scheme: String { tls == nil ? "http" : "https" }

    /// Where a node's kubelet listens, from its Node object.
    func location(of node: JSON) throws(APIError) -> KubeletLocation {
        let name = node[path: ["metadata", "name"]]?.string ?? ""
        guard let port = node[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.int, port > 0 else {
            throw APIError.badRequest("node \"\(name)\" reports no kubelet port (status.daemonEndpoints.kubeletEndpoint.Port)")
        }
        let addresses = node[path: ["status", "addresses"]]?.array ?? []
        func address(_ type: String) -> String? {
            addresses.first { $0["type"]?.string == type }?["address"]?.string
        }
        guard let host = hostOverride ?? address("InternalIP") ?? address("Hostname") else {
            throw APIError.badRequest("node \"\(name)\" has no address to reach its kubelet at")
        }
        return KubeletLocation(scheme: scheme, host: host, port: Int(port))
    }

    /// A dial target for a WebSocket session on the kubelet.
    func target(_ location: KubeletLocation, path: String) -> DialTarget {
        DialTarget.host(location.host, port: location.port, path: path, tls: tls)
    }
}

/// A kubelet's base address.
struct KubeletLocation: Sendable, Equatable {
    var scheme: String
    var host: String
    var port: Int

    var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    func url(_ pathAndQuery: String) -> String { "\(scheme)://\(hostPort)\(pathAndQuery)" }
}
