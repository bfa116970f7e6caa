import Foundation
@_spi(FixedExpiryValidationTime) import X509

/// The API server's client-certificate authenticator (upstream's `--client-ca-file`): verifies the chain a
/// client presented against the trusted CAs, then names the user from the leaf's subject.
///
/// Upstream only *requests* a client certificate during the TLS handshake (token clients have none) and
/// verifies it here, at request time; this type is that second step for a server configured the same way.
public struct ClientCertificateAuthenticator: Sendable {
    public let trustedCAs: [Certificate]

    public init(trustedCAs: [Certificate]) {
        self.trustedCAs = trustedCAs
    }

    /// Trusts the CAs in a `ca.crt` bundle.
    public init(caBundlePEM: String) throws {
        let certificates = try PEM.certificates(from: caBundlePEM)
        guard !certificates.isEmpty else { throw PKIError.noPEMBlock(expected: "CERTIFICATE") }
        self.init(trustedCAs: certificates)
    }

    /// The user named by `chain[0]`, when the chain (leaf first, then any intermediates) leads to a trusted CA
    /// at `time` (now when nil), the leaf may authenticate clients (extended key usage) and its subject has a
    /// CommonName. nil otherwise: the request is then not authenticated by a certificate.
    public func authenticate(chain: [Certificate], at time: Date? = nil) async -> AuthenticatedUser? {
        guard let leaf = chain.first, !trustedCAs.isEmpty else { return nil }
        guard ClientIdentity.allowsClientAuthentication(leaf) else { return nil }
        var verifier = Verifier(rootCertificates: CertificateStore(trustedCAs)) {
            if let time { RFC5280Policy(fixedExpiryValidationTime: time) } else { RFC5280Policy() }
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        guard case .validCertificate = result else { return nil }
        return ClientIdentity.user(from: leaf)
    }
}
