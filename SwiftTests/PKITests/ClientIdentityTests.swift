import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import PKI

@Suite struct ClientIdentityTests {
    @Test func commonNameAndOrganizationsRoundTrip() throws {
        let ca = try CertificateAuthority.create()
        for (user, groups) in [
            ("kubernetes-admin", ["system:masters"]),
            ("system:node:kind-worker", ["system:nodes"]),
            ("system:kube-scheduler", []),
            ("jane@example.com", ["b-team", "a-team", "ünïcode group", "with,comma"]),
        ] {
            let issued = try ca.issueClientCertificate(user: user, groups: groups)
            // Through PEM and DER, as a TLS stack hands the peer certificate over.
            let reread = try PEM.certificate(from: issued.certificatePEM)
            #expect(ClientIdentity.user(from: reread) == AuthenticatedUser(name: user, groups: groups))
            var serializer = DER.Serializer()
            try serializer.serialize(reread)
            #expect(try ClientIdentity.user(fromDER: serializer.serializedBytes) == AuthenticatedUser(name: user, groups: groups))
        }
    }

    @Test func readsSubjectsOpenSSLWrites() throws {
        let dir = try TemporaryDirectory()
        let key = dir.file("k.key")
        let crt = dir.file("k.crt")
        let made = try run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.path,
            "-out", crt.path, "-days", "1", "-subj", "/C=US/O=group-b/O=group-a/OU=ignored/CN=first/CN=last",
        ])
        try #require(made.succeeded, "\(made.stderr)")
        let cert = try PEM.certificate(from: String(contentsOf: crt, encoding: .utf8))
        // Go's pkix.Name keeps the last CN and every O in order; OU and C are not groups.
        #expect(ClientIdentity.user(from: cert) == AuthenticatedUser(name: "last", groups: ["group-b", "group-a"]))
    }

    @Test func noCommonNameMeansNoUser() throws {
        let dir = try TemporaryDirectory()
        let key = dir.file("k.key")
        let crt = dir.file("k.crt")
        let made = try run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.path,
            "-out", crt.path, "-days", "1", "-subj", "/O=system:masters",
        ])
        try #require(made.succeeded, "\(made.stderr)")
        let cert = try PEM.certificate(from: String(contentsOf: crt, encoding: .utf8))
        #expect(ClientIdentity.user(from: cert) == nil)
        #expect(throws: (any Error).self) { try ClientIdentity.user(fromDER: [0x30, 0x03, 0x02, 0x01]) }
    }

    @Test func extendedKeyUsageDecidesClientAuthentication() throws {
        let ca = try CertificateAuthority.create()
        let client = try ca.issueClientCertificate(user: "a", groups: [])
        let serving = try ca.issueServingCertificate(commonName: "s", dnsNames: ["s"], ipAddresses: [])
        #expect(ClientIdentity.allowsClientAuthentication(client.certificate))
        #expect(!ClientIdentity.allowsClientAuthentication(serving.certificate))
        // No extended key usage at all (the CA): any use, as Go allows.
        #expect(ClientIdentity.allowsClientAuthentication(ca.certificate))
    }

    @Test func authenticatorVerifiesTheChainBeforeNamingTheUser() async throws {
        let ca = try CertificateAuthority.create()
        let foreign = try CertificateAuthority.create()
        let authenticator = try ClientCertificateAuthenticator(caBundlePEM: ca.certificatePEM)

        let admin = try ca.issueClientCertificate(user: "kubernetes-admin", groups: ["system:masters"])
        #expect(await authenticator.authenticate(chain: [admin.certificate])
            == AuthenticatedUser(name: "kubernetes-admin", groups: ["system:masters"]))

        // Signed by another CA with the same subject name: refused.
        let impostor = try foreign.issueClientCertificate(user: "kubernetes-admin", groups: ["system:masters"])
        #expect(await authenticator.authenticate(chain: [impostor.certificate]) == nil)

        // A serving certificate presented as a client certificate: refused.
        let serving = try ca.issueServingCertificate(commonName: "kube-apiserver", dnsNames: ["x"], ipAddresses: [])
        #expect(await authenticator.authenticate(chain: [serving.certificate]) == nil)

        // Outside its validity.
        let now = Date()
        let shortLived = try ca.issueClientCertificate(user: "temp", groups: [], validity: 60, now: now)
        #expect(await authenticator.authenticate(chain: [shortLived.certificate], at: now) != nil)
        #expect(await authenticator.authenticate(chain: [shortLived.certificate], at: now.addingTimeInterval(120)) == nil)
        #expect(await authenticator.authenticate(chain: [shortLived.certificate], at: now.addingTimeInterval(-3600)) == nil)

        // A bundle of two CAs trusts both.
        let both = try ClientCertificateAuthenticator(caBundlePEM: ca.certificatePEM + foreign.certificatePEM)
        #expect(await both.authenticate(chain: [impostor.certificate])?.name == "kubernetes-admin")
        #expect(await both.authenticate(chain: []) == nil)
        #expect(throws: PKIError.noPEMBlock(expected: "CERTIFICATE")) { try ClientCertificateAuthenticator(caBundlePEM: "") }
    }

    @Test func authenticatedGroupIsAddedAsUpstreamDoes() {
        let user = AuthenticatedUser(name: "alice", groups: ["dev"])
        #expect(user.addingAuthenticatedGroup().groups == ["dev", "system:authenticated"])
        #expect(user.addingAuthenticatedGroup().addingAuthenticatedGroup().groups == ["dev", "system:authenticated"])
        #expect(AuthenticatedUser.anonymous.addingAuthenticatedGroup() == .anonymous)
        let already = AuthenticatedUser(name: "x", groups: ["system:unauthenticated"])
        #expect(already.addingAuthenticatedGroup() == already)
    }
}
