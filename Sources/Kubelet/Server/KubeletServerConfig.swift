import Foundation
import StaticPods

/// Where the kubelet's HTTPS endpoint listens and whom it trusts (upstream's `--port`, `--tls-cert-file`,
/// `--tls-private-key-file`, `--client-ca-file`). Without a certificate it serves plain HTTP (tests).
public struct KubeletServerConfig: Sendable {
    public var address = "127.0.0.1"
    /// 0 picks a free port (tests); the node reports the bound port.
    public var port = 10250
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// With TLS: only clients with a certificate signed by this CA get in (the API server's
    /// `apiserver-kubelet-client` certificate).
    public var clientCAFile: String?
    /// The kubelet's log directory layout.
    public var logPaths: PodLogPaths
    /// The static pods' file (`--static-pods`): a mirror pod's log is its component's log file.
    public var staticPodsFile: URL?

    public init(logPaths: PodLogPaths) {
        self.logPaths = logPaths
    }

    /// The static pods this node runs, read anew on each call (the file is small and rarely read).
    func staticPods() -> [StaticPod]? { staticPodsFile.map(StaticPod.load) }

    public var isSecure: Bool { tlsCertFile != nil && tlsKeyFile != nil }
}
