import NIOSSL

/// The TLS side of a Skiff HTTPS server (the API server, a kubelet's endpoint): its serving certificate
/// and, with a client CA, how client certificates are checked.
public enum ServerTLS {
    public enum ClientCertificates: Sendable {
        /// Verified when one comes, but a client may send none (the API server: token clients send none).
        case optional
        /// No certificate, no handshake (a kubelet: only the API server may call it).
        case required
    }

    public static func configuration(certFile: String, keyFile: String, clientCAFile: String?,
                                     clientCertificates: ClientCertificates) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        if let ca = clientCAFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            tls.certificateVerification = clientCertificates == .optional ? .optionalVerification : .noHostnameVerification
        }
        return tls
    }
}
