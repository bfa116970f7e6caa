import APIMachinery
import Crypto
import Foundation
import Testing

@testable import PKI

@Suite struct ServiceAccountTokenTests {
    let issuer = "https://kubernetes.default.svc.cluster.local"

    func claims(audiences: [String]? = nil, expiresIn: Int64 = 3600, now: Date = Date()) -> ServiceAccountClaims {
        ServiceAccountClaims.make(
            issuer: "ignored", namespace: "default", serviceAccount: .init(name: "default", uid: "sa-uid"),
            audiences: audiences ?? [issuer], expirationSeconds: expiresIn, pod: .init(name: "web", uid: "pod-uid"),
            node: .init(name: "n1", uid: "node-uid"), now: now)
    }

    @Test func signedWithTheClusterKeyAndVerifiedWithItsPublicHalf() throws {
        let dir = try TemporaryDirectory()
        let pki = try ClusterPKI.create(at: dir.file("pki"), clusterName: "t")
        let signer = try ServiceAccountTokenSigner(keyFile: pki.serviceAccountPrivateKeyFile, issuer: issuer)
        let token = try signer.sign(claims())
        let verifier = try #require(try ServiceAccountTokenVerifier(
            keyFiles: [pki.serviceAccountPublicKeyFile], signingKeyFile: nil, issuers: [issuer], audiences: [issuer]))
        let verified = try #require(try verifier.verify(token))
        #expect(verified.issuer == issuer)
        #expect(verified.subject == "system:serviceaccount:default:default")
        #expect(verified.pod == .init(name: "web", uid: "pod-uid"))
        #expect(verified.node == .init(name: "n1", uid: "node-uid"))
        #expect(verified.serviceAccount == .init(name: "default", uid: "sa-uid"))

        // The header names the algorithm and the key, as upstream's (kid = base64url(sha256(SPKI DER))).
        let parsed = try #require(JSONWebSignature.parse(token))
        #expect(parsed.header == ["alg": "ES256", "kid": .string(signer.keyID)])
        let pub = try ServiceAccountKeys.publicKeys(pem: String(contentsOf: pki.serviceAccountPublicKeyFile, encoding: .utf8))[0]
        #expect(signer.keyID == JSONWebSignature.base64URL(Data(SHA256.hash(data: pub.derRepresentation))))
        #expect(!signer.keyID.contains("=") && signer.keyID.count == 43)
    }

    @Test func claimsHaveUpstreamsShape() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let payload = claims(now: now).json
        #expect(payload["sub"] == "system:serviceaccount:default:default")
        #expect(payload["aud"] == [.string(issuer)])  // always an array, as go-jose writes it
        #expect(payload["iat"] == 1_700_000_000 && payload["nbf"] == 1_700_000_000 && payload["exp"] == 1_700_003_600)
        #expect(payload["jti"]?.string?.count == 36)
        #expect(payload["kubernetes.io"] == [
            "namespace": "default", "serviceaccount": ["name": "default", "uid": "sa-uid"],
            "pod": ["name": "web", "uid": "pod-uid"], "node": ["name": "n1", "uid": "node-uid"],
        ])
        // A single-string audience reads as well (RFC 7519 allows both).
        var single = payload
        single["aud"] = .string("api")
        #expect(ServiceAccountClaims(json: single)?.audiences == ["api"])
        // The user a token names, as upstream's ServiceAccountInfo.UserInfo.
        let user = ServiceAccountUser.user(from: claims(now: now))
        #expect(user.name == "system:serviceaccount:default:default" && user.uid == "sa-uid")
        #expect(user.groups == ["system:serviceaccounts", "system:serviceaccounts:default"])
        #expect(user.extra["authentication.kubernetes.io/pod-name"] == ["web"])
        #expect(user.extra["authentication.kubernetes.io/node-uid"] == ["node-uid"])
    }

    @Test func expiredWrongAudienceForeignKeyAndTamperedTokensAreRefused() throws {
        let key = P256.Signing.PrivateKey()
        let signer = ServiceAccountTokenSigner(key: key, issuer: issuer)
        let verifier = ServiceAccountTokenVerifier(keys: [key.publicKey], issuers: [issuer], audiences: [issuer])
        let now = Date()

        // Within the minute of leeway an expired token still passes; after it, it does not.
        let expiring = try signer.sign(claims(expiresIn: 600, now: now.addingTimeInterval(-630)))
        #expect(try verifier.verify(expiring, now: now) != nil)
        let expired = try signer.sign(claims(expiresIn: 600, now: now.addingTimeInterval(-700)))
        #expect(throws: ServiceAccountTokenError.expired) { try verifier.verify(expired, now: now) }
        let future = try signer.sign(claims(now: now.addingTimeInterval(600)))
        #expect(throws: ServiceAccountTokenError.notYetValid) { try verifier.verify(future, now: now) }

        let elsewhere = try signer.sign(claims(audiences: ["vault"]))
        #expect(throws: ServiceAccountTokenError.invalidAudience(token: ["vault"], accepted: [issuer])) { try verifier.verify(elsewhere) }
        // Any shared audience is enough.
        #expect(try verifier.verify(try signer.sign(claims(audiences: ["vault", issuer]))) != nil)

        let stranger = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey(), issuer: issuer)
        #expect(throws: ServiceAccountTokenError.invalidSignature) { try verifier.verify(try stranger.sign(claims())) }

        // Changing one claim breaks the signature.
        let good = try signer.sign(claims())
        let parts = good.split(separator: ".").map(String.init)
        var payload = try JSON.parse(try #require(JSONWebSignature.decodeBase64URL(parts[1])))
        payload["sub"] = "system:serviceaccount:kube-system:admin"
        let forged = [parts[0], JSONWebSignature.base64URL(payload.serialized()), parts[2]].joined(separator: ".")
        #expect(throws: ServiceAccountTokenError.invalidSignature) { try verifier.verify(forged) }
        // "alg": "none" is not accepted.
        let none = [JSONWebSignature.base64URL(Data(#"{"alg":"none"}"#.utf8)), parts[1], parts[2]].joined(separator: ".")
        #expect(throws: ServiceAccountTokenError.invalidSignature) { try verifier.verify(none) }
    }

    @Test func tokensOfOtherIssuersAndNonJWTsAreNotThisAuthenticators() throws {
        let key = P256.Signing.PrivateKey()
        let verifier = ServiceAccountTokenVerifier(keys: [key.publicKey], issuers: [issuer], audiences: [issuer])
        let other = try ServiceAccountTokenSigner(key: key, issuer: "https://dex.example").sign(claims())
        #expect(try verifier.verify(other) == nil)
        #expect(try verifier.verify("31ada4fd-adec-460c-809a-9e56ceb75269") == nil)
        #expect(try verifier.verify("a.b.c") == nil)
        #expect(try verifier.verify(String(repeating: "a", count: 20_000)) == nil)
    }

    @Test func base64URLRoundTripsAndRejectsTheStandardAlphabet() {
        for n in 0..<40 {
            let data = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) })
            let text = JSONWebSignature.base64URL(data)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(JSONWebSignature.decodeBase64URL(text) == data)
        }
        #expect(JSONWebSignature.decodeBase64URL("ab+/") == nil)
        #expect(JSONWebSignature.decodeBase64URL("abc=") == nil)
        #expect(JSONWebSignature.decodeBase64URL("a") == nil)
    }

    @Test func keyFilesRefuseRSAAndEmptyText() throws {
        #expect(throws: PKIError.self) { try ServiceAccountKeys.publicKeys(pem: "") }
        let rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"
        #expect(throws: PKIError.self) { try ServiceAccountKeys.publicKeys(pem: rsa) }
        // A private key file verifies too (upstream accepts either in --service-account-key-file).
        let key = P256.Signing.PrivateKey()
        #expect(try ServiceAccountKeys.publicKeys(pem: key.pemRepresentation).map(\.rawRepresentation) == [key.publicKey.rawRepresentation])
    }
}
