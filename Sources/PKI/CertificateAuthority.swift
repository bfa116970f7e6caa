import Crypto
import Foundation
import SwiftASN1
import X509

/// The cluster's certificate authority: one self-signed CA that signs the API server's serving certificate and
/// every client certificate (admin, scheduler, controller-manager, kubelets), as kubeadm's `ca.crt`/`ca.key`.
///
/// Certificates are shaped as kubeadm shapes them, because kubectl, client-go and the API server were tested
/// against exactly that: the CA has `CA:TRUE` and keyCertSign; leaves have `CA:FALSE`, digitalSignature and
/// keyEncipherment, and an extended key usage of serverAuth or clientAuth. Keys are ECDSA P-256 (kubeadm's
/// `ECDSA-P256` encryption algorithm), which Go's crypto/tls, OpenSSL and BoringSSL all accept.
public struct CertificateAuthority: Sendable, Hashable {
    /// kubeadm's CA lifetime: ten years.
    public static let defaultCAValidity: TimeInterval = 10 * 365 * 24 * 3600
    /// kubeadm's leaf lifetime: one year.
    public static let defaultValidity: TimeInterval = 365 * 24 * 3600
    /// How far kubeadm backdates the CA (and with it every leaf) to tolerate small clock differences.
    public static let backdate: TimeInterval = 5 * 60

    /// The CA certificate and its signing key.
    public let identity: CertificateAndKey

    public var certificate: Certificate { identity.certificate }
    public var privateKey: Certificate.PrivateKey { identity.privateKey }
    /// `ca.crt` text: what kubeconfigs embed as `certificate-authority-data` and servers trust for clients.
    public var certificatePEM: String { identity.certificatePEM }
    public var privateKeyPEM: String { identity.privateKeyPEM }

    /// Wraps an existing CA; throws unless the certificate is a CA (`CA:TRUE`, keyCertSign when key usage is
    /// present) and the key is its own.
    public init(_ identity: CertificateAndKey) throws(PKIError) {
        let extensions = identity.certificate.extensions
        let isCA: Bool
        if case .isCertificateAuthority = (try? extensions.basicConstraints) ?? nil { isCA = true } else { isCA = false }
        let keyUsage = (try? extensions.keyUsage) ?? nil
        guard isCA, keyUsage?.keyCertSign ?? true else {
            throw .notACertificateAuthority(String(describing: identity.certificate.subject))
        }
        self.identity = identity
    }

    /// Loads `ca.crt` and `ca.key` PEM text.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        try self.init(CertificateAndKey(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM))
    }

    /// Loads `ca.crt` and `ca.key` files.
    public init(certificateFile: URL, privateKeyFile: URL) throws {
        try self.init(CertificateAndKey(certificateFile: certificateFile, privateKeyFile: privateKeyFile))
    }

    /// Makes a new self-signed CA with a fresh P-256 key, as kubeadm's `certs ca` phase does: subject
    /// `CN=kubernetes`, a DNS SAN of the same name, backdated five minutes, valid ten years.
    public static func create(
        commonName: String = "kubernetes",
        validity: TimeInterval = defaultCAValidity,
        now: Date = Date()
    ) throws -> CertificateAuthority {
        guard !commonName.isEmpty else { throw PKIError.emptyCommonName }
        guard validity > 0 else { throw PKIError.invalidValidity(validity) }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let name = try DistinguishedName { CommonName(commonName) }
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyCertSign: true))
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            SubjectKeyIdentifier(hash: key.publicKey)
            SubjectAlternativeNames([.dnsName(commonName)])
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: randomSerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-backdate),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: key
        )
        return try CertificateAuthority(CertificateAndKey(certificate: certificate, privateKey: key))
    }

    /// A certificate for a TLS server (the API server, a kubelet's HTTPS endpoint): extended key usage
    /// serverAuth, the given DNS names and IP addresses as subject alternative names (duplicates dropped;
    /// clients match the host they dial against these, never against the CN).
    public func issueServingCertificate(
        commonName: String,
        dnsNames: [String],
        ipAddresses: [String],
        validity: TimeInterval = defaultValidity,
        now: Date = Date()
    ) throws -> CertificateAndKey {
        let ips = try ipAddresses.map { ip throws(PKIError) in try IPAddress(ip) }
        return try issue(
            commonName: commonName, organizations: [], usage: .serverAuth,
            dnsNames: dnsNames, ipAddresses: ips, validity: validity, now: now)
    }

    /// A certificate a client presents to the API server: subject CN = `user` and one O per group, which is
    /// exactly what the API server's x509 authenticator turns back into the user name and groups; extended
    /// key usage clientAuth.
    public func issueClientCertificate(
        user: String,
        groups: [String],
        validity: TimeInterval = defaultValidity,
        now: Date = Date()
    ) throws -> CertificateAndKey {
        try issue(
            commonName: user, organizations: groups, usage: .clientAuth,
            dnsNames: [], ipAddresses: [], validity: validity, now: now)
    }

    /// The common signing path, as kubeadm's `NewSignedCert`: notBefore is the CA's (backdated) notBefore,
    /// notAfter is `now + validity`, never past the CA's own expiry.
    private func issue(
        commonName: String,
        organizations: [String],
        usage: ExtendedKeyUsage.Usage,
        dnsNames: [String],
        ipAddresses: [IPAddress],
        validity: TimeInterval,
        now: Date
    ) throws -> CertificateAndKey {
        guard !commonName.isEmpty else { throw PKIError.emptyCommonName }
        guard validity > 0 else { throw PKIError.invalidValidity(validity) }
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())

        // Go's pkix.Name puts O before CN; one RDN per value keeps the groups in the caller's order.
        var attributes = organizations.map {
            RelativeDistinguishedName.Attribute(type: .RDNAttributeType.organizationName, utf8String: $0)
        }
        attributes.append(.init(type: .RDNAttributeType.commonName, utf8String: commonName))
        let subject = try DistinguishedName(attributes)

        var names: [GeneralName] = []
        for dns in dnsNames where !names.contains(.dnsName(dns)) { names.append(.dnsName(dns)) }
        for ip in ipAddresses {
            let name = GeneralName.ipAddress(ASN1OctetString(contentBytes: ip.bytes[...]))
            if !names.contains(name) { names.append(name) }
        }

        let authorityKeyID = (try? certificate.extensions.subjectKeyIdentifier)??.keyIdentifier
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
            try ExtendedKeyUsage([usage])
            Critical(BasicConstraints.notCertificateAuthority)
            AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
            if !names.isEmpty { SubjectAlternativeNames(names) }
        }
        let notAfter = min(now.addingTimeInterval(validity), certificate.notValidAfter)
        let issued = try Certificate(
            version: .v3,
            serialNumber: Self.randomSerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: certificate.notValidBefore,
            notValidAfter: notAfter,
            issuer: certificate.subject,
            subject: subject,
            extensions: extensions,
            issuerPrivateKey: privateKey
        )
        return try CertificateAndKey(certificate: issued, privateKey: key)
    }

    /// A positive random serial number of 16 octets (RFC 5280 allows up to 20): top bit clear so it is
    /// positive, second bit set so it is never shortened.
    private static func randomSerialNumber() -> Certificate.SerialNumber {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = (bytes[0] & 0x7f) | 0x40
        return Certificate.SerialNumber(bytes: bytes)
    }
}
