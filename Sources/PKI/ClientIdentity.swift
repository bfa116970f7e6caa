import SwiftASN1
import X509

/// Turns a client certificate into the user it names, as the API server's x509 authenticator
/// (`CommonNameUserConversion`) does: the subject's CommonName is the user name and each Organization is a
/// group, in the order they appear.
///
/// Call it only with a certificate whose chain was already verified against the cluster CA (by the TLS
/// layer, or by `ClientCertificateAuthenticator`).
public enum ClientIdentity {
    /// The user named by the certificate, or nil when its subject has no CommonName (upstream then treats
    /// the certificate as not authenticating anyone, and other authenticators get their turn).
    ///
    /// As Go's pkix.Name: with several CN attributes the last wins; attribute values that are not strings
    /// are skipped.
    public static func user(from certificate: Certificate) -> AuthenticatedUser? {
        var commonName = ""
        var organizations: [String] = []
        for rdn in certificate.subject {
            for attribute in rdn {
                guard let value = String(attribute.value) else { continue }
                if attribute.type == .RDNAttributeType.commonName {
                    commonName = value
                } else if attribute.type == .RDNAttributeType.organizationName {
                    organizations.append(value)
                }
            }
        }
        guard !commonName.isEmpty else { return nil }
        return AuthenticatedUser(name: commonName, groups: organizations)
    }

    /// The same, from the DER bytes a TLS stack hands over for the peer's certificate.
    public static func user(fromDER der: [UInt8]) throws -> AuthenticatedUser? {
        try user(from: Certificate(derEncoded: der))
    }

    /// Whether the certificate may be used to authenticate a client, as Go's `x509.Verify` with
    /// `KeyUsages: [ClientAuth]` judges a leaf: true when there is no extended key usage extension, or it
    /// lists clientAuth or anyExtendedKeyUsage.
    public static func allowsClientAuthentication(_ certificate: Certificate) -> Bool {
        let usages: ExtendedKeyUsage?
        do {
            usages = try certificate.extensions.extendedKeyUsage
        } catch {
            return false  // a malformed extension: Go would not even parse the certificate
        }
        guard let usages else { return true }
        return usages.contains(.clientAuth) || usages.contains(.any)
    }
}
