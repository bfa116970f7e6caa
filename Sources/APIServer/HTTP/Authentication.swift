import APIMachinery
import Foundation
import NIOCore
import NIOSSL
import PKI
import X509

/// Who is making a request: a verified client certificate's subject, or a known bearer token's user
/// (upstream's x509 and token-file authenticators, in that order). On a secure server everything but the
/// health endpoints needs one of them; an anonymous request gets 401.
struct Authenticator: Sendable {
    let certificates: ClientCertificateAuthenticator?
    let tokens: TokenAuthenticator?

    init(config: APIServerConfig) throws {
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
