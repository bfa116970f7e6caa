import APIMachinery
import Crypto
import Foundation

/// JWS compact serialization (RFC 7515) with ES256 (ECDSA P-256 over SHA-256, RFC 7518 §3.4) — the form
/// upstream's service-account tokens take: `base64url(header).base64url(payload).base64url(signature)`.
///
/// Only the encoding lives here; the signing and verifying are swift-crypto's. The signature is the raw
/// 64-byte `r || s` pair (not DER), as JWS requires.
public enum JSONWebSignature {
    /// Tokens longer than this are refused before any decoding: a bearer header is attacker-controlled input.
    public static let maxTokenBytes = 16 * 1024

    /// A token split into its parts, not yet verified.
    public struct Parsed: Sendable {
        public var header: JSON
        public var payload: JSON
        /// `base64url(header) + "." + base64url(payload)`: the bytes the signature covers.
        public var signingInput: Data
        public var signature: Data
    }

    /// Signs `payload` with `key`; the header is `{"alg":"ES256","kid":keyID}` (upstream sets no `typ`).
    public static func signES256(payload: JSON, key: P256.Signing.PrivateKey, keyID: String?) throws -> String {
        var header: JSON = ["alg": "ES256"]
        if let keyID { header["kid"] = .string(keyID) }
        let input = base64URL(header.serialized(sortedKeys: true)) + "." + base64URL(payload.serialized(sortedKeys: true))
        let signature = try key.signature(for: Data(input.utf8))
        return input + "." + base64URL(signature.rawRepresentation)
    }

    /// Splits and decodes a compact token; nil when it is not one (wrong shape, bad base64url, header or
    /// payload not a JSON object).
    public static func parse(_ token: String) -> Parsed? {
        guard token.utf8.count <= maxTokenBytes else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        guard let headerBytes = decodeBase64URL(parts[0]), let payloadBytes = decodeBase64URL(parts[1]),
              let signature = decodeBase64URL(parts[2]),
              let header = try? JSON.parse(headerBytes), header.isObject,
              let payload = try? JSON.parse(payloadBytes), payload.isObject
        else { return nil }
        return Parsed(header: header, payload: payload, signingInput: Data("\(parts[0]).\(parts[1])".utf8), signature: signature)
    }

    /// Whether `parsed` carries a valid ES256 signature by `key`.
    public static func verifyES256(_ parsed: Parsed, key: P256.Signing.PublicKey) -> Bool {
        guard parsed.header["alg"]?.string == "ES256", parsed.signature.count == 64,
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: parsed.signature)
        else { return false }
        return key.isValidSignature(signature, for: parsed.signingInput)
    }

    /// Base64url without padding (RFC 7515 §2).
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded base64url; nil for anything else (padding, the standard alphabet's `+` and `/`).
    public static func decodeBase64URL(_ text: some StringProtocol) -> Data? {
        guard text.utf8.allSatisfy({ isBase64URLByte($0) }), text.utf8.count % 4 != 1 else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard)
    }

    private static func isBase64URLByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
    }
}
