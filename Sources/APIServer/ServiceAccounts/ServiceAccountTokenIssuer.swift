import Foundation
import PKI

/// What the API server needs to issue service-account tokens: the signer (key and issuer), the API
/// audiences that unspecified requests default to, and upstream's expiry policy.
struct ServiceAccountTokenIssuer: Sendable {
    let signer: ServiceAccountTokenSigner
    let audiences: [String]
    let extendExpiration: Bool

    /// Upstream's `ExpirationExtensionSeconds`: a year.
    static let extendedExpirationSeconds: Int64 = 24 * 365 * 60 * 60

    /// nil when the server has no signing key (plain test servers): no tokens, no token volumes.
    init?(config: APIServerConfig) throws {
        guard let keyFile = config.serviceAccountSigningKeyFile else { return nil }
        guard let issuer = config.serviceAccountIssuers.first, !issuer.isEmpty else {
            throw ConfigurationError("--service-account-signing-key-file needs --service-account-issuer")
        }
        signer = try ServiceAccountTokenSigner(keyFile: URL(fileURLWithPath: keyFile), issuer: issuer)
        audiences = config.tokenAudiences
        extendExpiration = config.serviceAccountExtendTokenExpiration
    }

    /// The JWT expiry and `warnafter` for a request: the kubelet's pod-bound 3607-second tokens for the API's
    /// own audiences get a year, warning after the requested time (upstream's safe-rollout extension).
    func lifetime(requested: Int64, boundToPod: Bool, audiences requestedAudiences: [String]) -> (expiry: Int64, warnAfter: Int64?) {
        let forThisServer = requestedAudiences.allSatisfy(audiences.contains)
        if extendExpiration, boundToPod, requested == 3607, forThisServer {
            return (Self.extendedExpirationSeconds, requested)
        }
        return (requested, nil)
    }
}

/// A flag combination the server cannot start with.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
