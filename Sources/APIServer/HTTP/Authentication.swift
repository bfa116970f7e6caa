import APIMachinery
import Foundation
import NIOCore
import NIOSSL
import Logging
import PKI
import X509

/// Who is making a request: a known bearer token's user (the token file, then service-account JWTs), or a
/// verified client certificate's subject (upstream's token-file, service-account and x509 authenticators).
/// On a secure server everything but the health endpoints needs one of them; an anonymous request gets 401.
struct Authenticator: Sendable {
    let certificates: ClientCertificateAuthenticator?
    let tokens: TokenAuthenticator?
    let serviceAccounts: ServiceAccountTokenAuthenticator?
    let logger: Logger?

    /// `lookup` reads the objects service-account tokens are bound to (the API handler's stores).
    init(config: APIServerConfig, logger: Logger? = nil,
         lookup: @escaping @Sendable (String, String?, String) async -> JSON? = { _, _, _ in nil }) throws {
        self.logger = logger
        serviceAccounts = try ServiceAccountTokenAuthenticator(config: config, lookup: lookup)
        if let ca = config.clientCAFile {
            certificates = try ClientCertificateAuthenticator(caBundlePEM: String(contentsOfFile: ca, encoding: .utf8))
        } else {
            certificates = nil
        }
        if let file = config.tokenAuthFile, FileManager.default.fileExists(atPath: file) {
            tokens = try TokenAuthenticator(csv: String(contentsOfFile: file, encoding: .utf8), path: file)
        } else {
            tokens = nil
        }
    }

    /// Paths anyone may read (load balancers and probes have no credentials).
    static func isPublic(_ path: String) -> Bool {
        ["/healthz", "/livez", "/readyz"].contains(path) || path.hasPrefix("/healthz/") || path.hasPrefix("/livez/") || path.hasPrefix("/readyz/")
    }

    func authenticate(peerChain: [NIOSSLCertificate], authorization: String?) async -> AuthenticatedUser? {
        if let header = authorization, let tokens, let user = tokens.authenticate(authorizationHeader: header) {
            return user.addingAuthenticatedGroup()
        }
        if let header = authorization, let serviceAccounts, let token = BearerToken.token(fromAuthorizationHeader: header) {
            switch await serviceAccounts.authenticate(token: token) {
            case .success(let user?): return user.addingAuthenticatedGroup()
            case .success(nil): break
            case .failure(let why): logger?.info("service account token refused: \(why)")
            }
        }
        if let certificates, !peerChain.isEmpty {
            let chain = peerChain.compactMap { c -> Certificate? in
                guard let der = try? c.toDERBytes() else { return nil }
                return try? Certificate(derEncoded: der)
            }
            if let user = await certificates.authenticate(chain: chain) { return user.addingAuthenticatedGroup() }
        }
        return nil
    }
}

/// The client certificate chain a TLS connection presented (empty for plain HTTP or none presented).
enum PeerCertificates {
    static func of(_ channel: any Channel) async -> [NIOSSLCertificate] {
        let future = channel.pipeline.handler(type: NIOSSLHandler.self).map { handler -> [NIOSSLCertificate] in
            handler.peerCertificate.map { [$0] } ?? []
        }
        return (try? await future.get()) ?? []
    }
}
