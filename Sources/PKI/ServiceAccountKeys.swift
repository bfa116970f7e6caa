import Crypto
import Foundation
import SwiftASN1

/// The keys of service-account tokens, read as upstream's `--service-account-key-file` and
/// `--service-account-signing-key-file` read them: PEM files whose `PUBLIC KEY` blocks (and the public
/// halves of `PRIVATE KEY` / `EC PRIVATE KEY` blocks) verify tokens, and whose private key signs them.
///
/// Skiff's PKI writes a P-256 pair (`sa.key`, `sa.pub`), so tokens are ES256; RSA keys are refused with a
/// clear error rather than silently ignored.
public enum ServiceAccountKeys {
    /// Every verifying key in the PEM text, in order.
    public static func publicKeys(pem text: String) throws -> [P256.Signing.PublicKey] {
        var keys: [P256.Signing.PublicKey] = []
        for block in try PEMDocument.parseMultiple(pemString: text) {
            switch block.discriminator {
            case "PUBLIC KEY":
                keys.append(try P256.Signing.PublicKey(derRepresentation: block.derBytes))
            case "PRIVATE KEY", "EC PRIVATE KEY":
                keys.append(try privateKey(block).publicKey)
            case "RSA PRIVATE KEY", "RSA PUBLIC KEY":
                throw PKIError.noPEMBlock(expected: "P-256 PUBLIC KEY (RSA service-account keys are not supported)")
            default:
                continue
            }
        }
        guard !keys.isEmpty else { throw PKIError.noPEMBlock(expected: "PUBLIC KEY") }
        return keys
    }

    /// The first private key in the PEM text.
    public static func signingKey(pem text: String) throws -> P256.Signing.PrivateKey {
        guard let block = try PEMDocument.parseMultiple(pemString: text).first(where: { ["PRIVATE KEY", "EC PRIVATE KEY"].contains($0.discriminator) })
        else { throw PKIError.noPEMBlock(expected: "PRIVATE KEY") }
        return try privateKey(block)
    }

    /// Upstream's `keyIDFromPublicKey`: base64url(SHA-256(DER SubjectPublicKeyInfo)), the tokens' `kid`.
    public static func keyID(_ key: P256.Signing.PublicKey) -> String {
        JSONWebSignature.base64URL(Data(SHA256.hash(data: key.derRepresentation)))
    }

    private static func privateKey(_ block: PEMDocument) throws -> P256.Signing.PrivateKey {
        try P256.Signing.PrivateKey(pemRepresentation: block.pemString)
    }
}

/// Issues service-account tokens (upstream's `JWTTokenGenerator`): signs claims with the cluster's
/// service-account key, stamping them with this issuer.
public struct ServiceAccountTokenSigner: Sendable {
    public let key: P256.Signing.PrivateKey
    public let keyID: String
    public let issuer: String

    public init(key: P256.Signing.PrivateKey, issuer: String) {
        self.key = key
        self.keyID = ServiceAccountKeys.keyID(key.publicKey)
        self.issuer = issuer
    }

    /// Reads the signing key from a PEM file (`--service-account-signing-key-file`).
    public init(keyFile: URL, issuer: String) throws {
        self.init(key: try ServiceAccountKeys.signingKey(pem: SecureFile.readText(keyFile)), issuer: issuer)
    }

    /// The signed token for `claims`, whose issuer becomes this signer's.
    public func sign(_ claims: ServiceAccountClaims) throws -> String {
        var c = claims
        c.issuer = issuer
        return try JSONWebSignature.signES256(payload: c.json, key: key, keyID: keyID)
    }
}
