import Crypto
import Foundation

/// Why a service-account token was refused; every case is a 401 for the request that carried it.
public enum ServiceAccountTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No configured key verifies the signature.
    case invalidSignature
    /// Signed by a trusted key, but missing a claim such tokens carry.
    case malformedClaims
    case expired
    case notYetValid
    case invalidAudience(token: [String], accepted: [String])
    /// The bound service account, pod or secret is gone or was replaced (checked by the API server).
    case invalidated(String)

    public var description: String {
        switch self {
        case .invalidSignature: return "invalid bearer token: no service account key verifies its signature"
        case .malformedClaims: return "service account token claims could not be validated"
        case .expired: return "service account token has expired"
        case .notYetValid: return "service account token is not valid yet"
        case .invalidAudience(let token, let accepted): return "token audiences \(token) is invalid for the target audiences \(accepted)"
        case .invalidated(let why): return why
        }
    }
}

/// The stateless half of upstream's service-account JWT authenticator: a token names one of the trusted
/// issuers, is signed by one of the trusted keys, is within its validity (with upstream's one-minute
/// leeway) and is meant for one of the API server's audiences. Whether the service account and the bound
/// object still exist is the caller's to check, against its store.
public struct ServiceAccountTokenVerifier: Sendable {
    public let keys: [P256.Signing.PublicKey]
    /// Tokens naming another issuer are not this authenticator's (other authenticators may know them).
    public let issuers: Set<String>
    /// The API server's audiences (`--api-audiences`); a token must share one of them.
    public let audiences: [String]
    /// go-jose's `DefaultLeeway`, which upstream's validator uses for `exp` and `nbf`.
    public static let leeway: Int64 = 60

    public init(keys: [P256.Signing.PublicKey], issuers: [String], audiences: [String]) {
        self.keys = keys
        self.issuers = Set(issuers)
        self.audiences = audiences
    }

    /// Trusts the public keys in `keyFiles` (`--service-account-key-file`) and the public half of the signing
    /// key (`--service-account-signing-key-file`); nil when neither names a key.
    public init?(keyFiles: [URL], signingKeyFile: URL?, issuers: [String], audiences: [String]) throws {
        var keys: [P256.Signing.PublicKey] = []
        for file in keyFiles { keys += try ServiceAccountKeys.publicKeys(pem: SecureFile.readText(file)) }
        if let signingKeyFile { keys.append(try ServiceAccountKeys.signingKey(pem: SecureFile.readText(signingKeyFile)).publicKey) }
        guard !keys.isEmpty else { return nil }
        self.init(keys: keys, issuers: issuers, audiences: audiences)
    }

    /// nil when `token` is not a JWT from one of the trusted issuers (so not a service-account token at all);
    /// the verified claims when it is valid; throws why it is not.
    public func verify(_ token: String, now: Date = Date()) throws(ServiceAccountTokenError) -> ServiceAccountClaims? {
        guard let parsed = JSONWebSignature.parse(token), let iss = parsed.payload["iss"]?.string, issuers.contains(iss) else {
            return nil
        }
        guard keys.contains(where: { JSONWebSignature.verifyES256(parsed, key: $0) }) else { throw .invalidSignature }
        guard let claims = ServiceAccountClaims(json: parsed.payload) else { throw .malformedClaims }
        let t = Int64(now.timeIntervalSince1970)
        if t > claims.expiry + Self.leeway { throw .expired }
        if parsed.payload["nbf"] != nil, t < claims.notBefore - Self.leeway { throw .notYetValid }
        if parsed.payload["iat"] != nil, t < claims.issuedAt - Self.leeway { throw .notYetValid }
        // Tokens without an audience are legacy ones, meant for the API server itself.
        let tokenAudiences = claims.audiences.isEmpty ? audiences : claims.audiences
        if !audiences.isEmpty, !tokenAudiences.contains(where: audiences.contains) {
            throw .invalidAudience(token: tokenAudiences, accepted: audiences)
        }
        return claims
    }
}
