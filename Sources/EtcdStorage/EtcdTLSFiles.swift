/// `--etcd-cafile`, `--etcd-certfile` and `--etcd-keyfile`: the PEM files an API server presents to an etcd
/// that requires client certificates (`--client-cert-auth`), and trusts its serving certificate with.
public struct EtcdTLSFiles: Sendable, Equatable {
    /// Trust roots for the members' serving certificates (nil: the system's).
    public var caFile: String?
    /// The client certificate chain and its key; both or neither.
    public var certFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// Rejects a certificate without its key or the reverse, as kube-apiserver does at start-up.
    public func validate() throws(EtcdConfigurationError) {
        if (certFile == nil) != (keyFile == nil) {
            throw EtcdConfigurationError("--etcd-certfile and --etcd-keyfile must be given together")
        }
    }
}
