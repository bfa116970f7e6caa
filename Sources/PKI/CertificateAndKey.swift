import Foundation
import SwiftASN1
import X509

/// A certificate with its private key: what a server or client loads to speak TLS.
///
/// PEM text is what every consumer reads: Go's crypto/tls (kubectl, client-go), OpenSSL/BoringSSL (curl,
/// SwiftNIO SSL). Keys are written as swift-crypto writes them (`PRIVATE KEY`, PKCS#8), which all of
/// those accept; PKCS#8, SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) are read.
public struct CertificateAndKey: Sendable, Hashable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey

    /// Pairs a certificate with its key; throws `PKIError.keyDoesNotMatchCertificate` when they differ.
    public init(certificate: Certificate, privateKey: Certificate.PrivateKey) throws(PKIError) {
        guard certificate.publicKey == privateKey.publicKey else { throw .keyDoesNotMatchCertificate }
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// Reads a certificate PEM (the first certificate of a bundle) and a private key PEM.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        try self.init(certificate: PEM.certificate(from: certificatePEM), privateKey: PEM.privateKey(from: privateKeyPEM))
    }

    /// Reads `name.crt` / `name.key` style files.
    public init(certificateFile: URL, privateKeyFile: URL) throws {
        try self.init(
            certificatePEM: SecureFile.readText(certificateFile),
            privateKeyPEM: SecureFile.readText(privateKeyFile))
    }

    /// `-----BEGIN CERTIFICATE-----` text.
    public var certificatePEM: String { PEM.encode(certificate) }

    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8) text.
    public var privateKeyPEM: String { PEM.encode(privateKey) }

    /// Writes the certificate (mode 0644) and the key (mode 0600), each replaced atomically.
    public func write(certificateTo certificateFile: URL, privateKeyTo privateKeyFile: URL) throws(PKIError) {
        try SecureFile.write(Data(privateKeyPEM.utf8), to: privateKeyFile, mode: SecureFile.privateMode)
        try SecureFile.write(Data(certificatePEM.utf8), to: certificateFile, mode: SecureFile.publicMode)
    }
}

/// PEM encoding and decoding through swift-certificates and swift-asn1.
public enum PEM {
    /// A certificate as PEM text, ending in a newline (as Go's pem.Encode and OpenSSL write it).
    public static func encode(_ certificate: Certificate) -> String {
        // Serialising a parsed or freshly signed certificate cannot fail: its DER bytes are already held.
        let document = (try? certificate.serializeAsPEM()) ?? PEMDocument(type: "CERTIFICATE", derBytes: [])
        return document.pemString + "\n"
    }

    /// A private key as PEM text, ending in a newline.
    public static func encode(_ key: Certificate.PrivateKey) -> String {
        // Only Secure Enclave keys refuse to serialise, and this module never makes one.
        let document = (try? key.serializeAsPEM()) ?? PEMDocument(type: "PRIVATE KEY", derBytes: [])
        return document.pemString + "\n"
    }

    /// Every `CERTIFICATE` block in the text, in order; other blocks are skipped.
    public static func certificates(from text: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: text)
            .filter { $0.discriminator == Certificate.defaultPEMDiscriminator }
            .map { try Certificate(derEncoded: $0.derBytes) }
    }

    /// The first certificate in the text (a bundle's leaf).
    public static func certificate(from text: String) throws -> Certificate {
        guard let first = try certificates(from: text).first else { throw PKIError.noPEMBlock(expected: "CERTIFICATE") }
        return first
    }

    /// The first private key block (`PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`) in the text.
    public static func privateKey(from text: String) throws -> Certificate.PrivateKey {
        let keyKinds: Set = ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"]
        guard let block = try PEMDocument.parseMultiple(pemString: text).first(where: { keyKinds.contains($0.discriminator) })
        else { throw PKIError.noPEMBlock(expected: "PRIVATE KEY") }
        return try Certificate.PrivateKey(pemDocument: block)
    }
}
