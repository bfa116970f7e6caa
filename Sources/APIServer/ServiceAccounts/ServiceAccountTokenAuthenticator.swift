import APIMachinery
import Foundation
import PKI

/// Upstream's service-account JWT authenticator: a bearer token signed by a trusted service-account key,
/// naming a trusted issuer, unexpired and meant for this server's audiences, authenticates as
/// `system:serviceaccount:<ns>:<name>` — provided the account, and the pod, secret or node the token is
/// bound to, still exist with the uids the token recorded. A deleted pod's token stops working at once.
struct ServiceAccountTokenAuthenticator: Sendable {
    let verifier: ServiceAccountTokenVerifier
    /// Reads a stored object by group-less resource ("serviceaccounts", "pods", ...); nil when absent.
    let lookup: @Sendable (_ resource: String, _ namespace: String?, _ name: String) async -> JSON?

    /// nil when the server has no service-account keys at all.
    init?(config: APIServerConfig, lookup: @escaping @Sendable (String, String?, String) async -> JSON?) throws {
        guard let verifier = try ServiceAccountTokenVerifier(
            keyFiles: config.serviceAccountKeyFiles.map { URL(fileURLWithPath: $0) },
            signingKeyFile: config.serviceAccountSigningKeyFile.map { URL(fileURLWithPath: $0) },
            issuers: config.serviceAccountIssuers, audiences: config.tokenAudiences)
        else { return nil }
        guard !config.serviceAccountIssuers.isEmpty else {
            throw ConfigurationError("--service-account-key-file needs --service-account-issuer")
        }
        self.verifier = verifier
        self.lookup = lookup
    }

    /// `.success(nil)`: not a token of ours (another authenticator may know it); `.failure`: ours, refused.
    func authenticate(token: String, now: Date = Date()) async -> Result<AuthenticatedUser?, ServiceAccountTokenError> {
        let claims: ServiceAccountClaims
        do {
            guard let verified = try verifier.verify(token, now: now) else { return .success(nil) }
            claims = verified
        } catch {
            return .failure(error)
        }
        // Objects deleted more than the leeway ago no longer vouch for their tokens.
        let deadline = now.addingTimeInterval(-TimeInterval(ServiceAccountTokenVerifier.leeway))
        func check(_ resource: String, _ namespace: String?, _ ref: ServiceAccountClaims.ObjectRef, _ what: String) async -> ServiceAccountTokenError? {
            guard let object = await lookup(resource, namespace, ref.name) else {
                return .invalidated("service account token has been invalidated (\(what) \(ref.name) not found)")
            }
            if let deleted = object[path: ["metadata", "deletionTimestamp"]]?.string.flatMap(RFC3339.parse), deleted < deadline {
                return .invalidated("service account token has been invalidated (\(what) \(ref.name) was deleted)")
            }
            let uid = object[path: ["metadata", "uid"]]?.string ?? ""
            if uid != ref.uid {
                return .invalidated("\(what) UID (\(uid)) does not match the token's claim (\(ref.uid))")
            }
            return nil
        }
        if let e = await check("serviceaccounts", claims.namespace, claims.serviceAccount, "service account") { return .failure(e) }
        if let secret = claims.secret, let e = await check("secrets", claims.namespace, secret, "secret") { return .failure(e) }
        if let pod = claims.pod, let e = await check("pods", claims.namespace, pod, "pod") { return .failure(e) }
        // A token bound to a node itself (not a pod's node, which is only informative) dies with the node.
        if claims.pod == nil, claims.secret == nil, let node = claims.node, let e = await check("nodes", nil, node, "node") {
            return .failure(e)
        }
        return .success(ServiceAccountUser.user(from: claims))
    }
}
