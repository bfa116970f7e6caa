import Foundation
import SwiftASN1
import Testing
import X509

@testable import PKI

@Suite struct CertificateAuthorityTests {
    @Test func caIsSelfSignedWithKubeadmExtensions() throws {
        let now = Date()
        let ca = try CertificateAuthority.create(now: now)
        let cert = ca.certificate
        #expect(cert.subject == cert.issuer)
        #expect(ClientIdentity.user(from: cert)?.name == "kubernetes")
        #expect(cert.publicKey.isValidSignature(cert.signature, for: cert))
        #expect(try cert.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        #expect(cert.extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
        let usage = try #require(try cert.extensions.keyUsage)
        #expect(usage.keyCertSign && usage.digitalSignature && usage.keyEncipherment)
        #expect(!usage.cRLSign)
        #expect(cert.extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
        #expect(try cert.extensions.subjectKeyIdentifier != nil)
        #expect(try cert.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("kubernetes")]))
        // Backdated five minutes, valid ten years.
        #expect(abs(cert.notValidBefore.timeIntervalSince(now) + 300) < 2)
        #expect(abs(cert.notValidAfter.timeIntervalSince(now) - 10 * 365 * 86400) < 2)
    }

    @Test func opensslSeesTheCAAsKubeadmWritesIt() throws {
        let dir = try TemporaryDirectory()
        let ca = try CertificateAuthority.create()
        let caFile = try dir.write(ca.certificatePEM, to: "ca.crt")
        let text = try run("openssl", ["x509", "-noout", "-text", "-in", caFile.path])
        #expect(text.succeeded, "\(text.stderr)")
        #expect(text.stdout.contains("Issuer: CN = kubernetes"))
        #expect(text.stdout.contains("Subject: CN = kubernetes"))
        #expect(text.stdout.contains("X509v3 Basic Constraints: critical\n                CA:TRUE"))
        #expect(text.stdout.contains("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment, Certificate Sign"))
        #expect(text.stdout.contains("Public Key Algorithm: id-ecPublicKey"))
        #expect(text.stdout.contains("NIST CURVE: P-256"))
        #expect(text.stdout.contains("Signature Algorithm: ecdsa-with-SHA256"))
        // The CA verifies against itself.
        let verify = try run("openssl", ["verify", "-CAfile", caFile.path, caFile.path])
        #expect(verify.stdout.contains(": OK"), "\(verify.stderr)")
    }

    @Test func servingCertificateHasSANsAndServerAuth() throws {
        let dir = try TemporaryDirectory()
        let ca = try CertificateAuthority.create()
        let serving = try ca.issueServingCertificate(
            commonName: "kube-apiserver",
            dnsNames: ClusterPKI.apiServerDNSNames() + ["kubernetes"],  // the duplicate is dropped
            ipAddresses: ["10.96.0.1", "127.0.0.1", "172.18.0.2", "fd00::2", "::ffff:10.0.0.9"])
        let sans = try #require(try serving.certificate.extensions.subjectAlternativeNames)
        var dns: [String] = []
        var ips: [String] = []
        for name in sans {
            switch name {
            case .dnsName(let d): dns.append(d)
            case .ipAddress(let octets): ips.append(IPAddress(bytes: octets.bytes)!.description)
            default: Issue.record("unexpected SAN \(name)")
            }
        }
        #expect(dns == ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"])
        #expect(ips == ["10.96.0.1", "127.0.0.1", "172.18.0.2", "fd00::2", "10.0.0.9"])
        #expect(try serving.certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth]))
        #expect(try serving.certificate.extensions.basicConstraints == .notCertificateAuthority)
        #expect(serving.certificate.issuer == ca.certificate.subject)
        #expect(try serving.certificate.extensions.authorityKeyIdentifier?.keyIdentifier
            == ca.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        // Leaves start at the CA's notBefore, as kubeadm's do.
        #expect(serving.certificate.notValidBefore == ca.certificate.notValidBefore)

        let crt = try dir.write(serving.certificatePEM, to: "apiserver.crt")
        let caFile = try dir.write(ca.certificatePEM, to: "ca.crt")
        let text = try run("openssl", ["x509", "-noout", "-text", "-in", crt.path])
        #expect(text.stdout.contains("Subject: CN = kube-apiserver"))
        #expect(text.stdout.contains(
            "DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:localhost, IP Address:10.96.0.1, IP Address:127.0.0.1, IP Address:172.18.0.2, IP Address:FD00:0:0:0:0:0:0:2, IP Address:10.0.0.9"))
        #expect(text.stdout.contains("X509v3 Extended Key Usage: \n                TLS Web Server Authentication"))
        #expect(text.stdout.contains("X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment\n"))
        #expect(text.stdout.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"))
        // Chain and purpose, as a TLS client checks them.
        let verify = try run("openssl", ["verify", "-CAfile", caFile.path, "-purpose", "sslserver", crt.path])
        #expect(verify.stdout.contains("apiserver.crt: OK"), "\(verify.stderr)")
        let wrongPurpose = try run("openssl", ["verify", "-CAfile", caFile.path, "-purpose", "sslclient", crt.path])
        #expect(!wrongPurpose.succeeded)
        // Host checks by the names clients dial.
        for host in ["-verify_hostname", "kubernetes.default.svc", "-verify_ip", "10.96.0.1"].chunked() {
            let check = try run("openssl", ["verify", "-CAfile", caFile.path, host.0, host.1, crt.path])
            #expect(check.succeeded, "\(host): \(check.stderr)")
        }
        let wrongHost = try run("openssl", ["verify", "-CAfile", caFile.path, "-verify_hostname", "example.com", crt.path])
        #expect(!wrongHost.succeeded)
    }

    @Test func clientCertificateCarriesUserAndGroupsWithClientAuth() throws {
        let dir = try TemporaryDirectory()
        let ca = try CertificateAuthority.create()
        let client = try ca.issueClientCertificate(user: "system:node:worker-1", groups: ["system:nodes", "extra"])
        #expect(try client.certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth]))
        #expect(try client.certificate.extensions.subjectAlternativeNames == nil)
        let crt = try dir.write(client.certificatePEM, to: "client.crt")
        let caFile = try dir.write(ca.certificatePEM, to: "ca.crt")
        let verify = try run("openssl", ["verify", "-CAfile", caFile.path, "-purpose", "sslclient", crt.path])
        #expect(verify.stdout.contains("client.crt: OK"), "\(verify.stderr)")
        let subject = try run("openssl", ["x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", crt.path])
        // RFC 2253 prints the last RDN first.
        #expect(subject.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            == "subject=CN=system:node:worker-1,O=extra,O=system:nodes")
        let text = try run("openssl", ["x509", "-noout", "-text", "-in", crt.path])
        #expect(text.stdout.contains("TLS Web Client Authentication"))
        #expect(!text.stdout.contains("TLS Web Server Authentication"))
    }

    @Test func rejectsBadRequests() throws {
        let ca = try CertificateAuthority.create()
        #expect(throws: PKIError.emptyCommonName) { try ca.issueClientCertificate(user: "", groups: []) }
        #expect(throws: PKIError.invalidIPAddress("10.96.0.300")) {
            try ca.issueServingCertificate(commonName: "x", dnsNames: [], ipAddresses: ["10.96.0.300"])
        }
        #expect(throws: PKIError.invalidIPAddress("localhost")) {
            try ca.issueServingCertificate(commonName: "x", dnsNames: [], ipAddresses: ["localhost"])
        }
        #expect(throws: PKIError.invalidValidity(0)) { try ca.issueClientCertificate(user: "a", groups: [], validity: 0) }
        #expect(throws: PKIError.emptyCommonName) { try CertificateAuthority.create(commonName: "") }
    }

    @Test func leafNeverOutlivesTheCA() throws {
        let now = Date()
        let ca = try CertificateAuthority.create(validity: 3600, now: now)
        let client = try ca.issueClientCertificate(user: "a", groups: [], validity: 86400, now: now)
        #expect(client.certificate.notValidAfter == ca.certificate.notValidAfter)
        let short = try ca.issueClientCertificate(user: "a", groups: [], validity: 60, now: now)
        #expect(abs(short.certificate.notValidAfter.timeIntervalSince(now) - 60) < 2)
    }

    @Test func pemRoundTrip() throws {
        let ca = try CertificateAuthority.create()
        let client = try ca.issueClientCertificate(user: "alice", groups: ["dev"])
        #expect(client.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(client.certificatePEM.hasSuffix("-----END CERTIFICATE-----\n"))
        #expect(client.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(client.privateKeyPEM.hasSuffix("-----END PRIVATE KEY-----\n"))
        let reread = try CertificateAndKey(certificatePEM: client.certificatePEM, privateKeyPEM: client.privateKeyPEM)
        #expect(reread == client)
        let reloadedCA = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        #expect(reloadedCA == ca)
        // A bundle: the first certificate is the leaf.
        let bundle = client.certificatePEM + ca.certificatePEM
        #expect(try PEM.certificates(from: bundle) == [client.certificate, ca.certificate])
        #expect(try PEM.certificate(from: bundle) == client.certificate)
    }

    @Test func opensslReadsTheKeysAndTheyMatchTheCertificates() throws {
        let dir = try TemporaryDirectory()
        let ca = try CertificateAuthority.create()
        let client = try ca.issueClientCertificate(user: "alice", groups: [])
        let crt = dir.file("a.crt")
        let key = dir.file("a.key")
        try client.write(certificateTo: crt, privateKeyTo: key)
        let keyCheck = try run("openssl", ["pkey", "-in", key.path, "-check", "-noout"])
        #expect(keyCheck.succeeded, "\(keyCheck.stderr)")
        let fromKey = try run("openssl", ["pkey", "-in", key.path, "-pubout"])
        let fromCert = try run("openssl", ["x509", "-in", crt.path, "-noout", "-pubkey"])
        #expect(!fromKey.stdout.isEmpty && fromKey.stdout == fromCert.stdout)
        // Keys 0600, certificates 0644.
        #expect(try mode(of: key) == 0o600)
        #expect(try mode(of: crt) == 0o644)
    }

    @Test func loadsAnOpenSSLMadeRSACAAndSignsWithIt() throws {
        let dir = try TemporaryDirectory()
        let caKey = dir.file("ca.key")
        let caCrt = dir.file("ca.crt")
        let made = try run("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.path, "-out", caCrt.path,
            "-subj", "/CN=external-ca", "-days", "2",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,digitalSignature",
        ])
        try #require(made.succeeded, "\(made.stderr)")
        // PKCS#8 as written, and the traditional PKCS#1 form.
        let pkcs1 = dir.file("ca-rsa.key")
        try #require(try run("openssl", ["rsa", "-in", caKey.path, "-out", pkcs1.path, "-traditional"]).succeeded)
        #expect(try String(contentsOf: pkcs1, encoding: .utf8).hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
        for keyFile in [caKey, pkcs1] {
            let ca = try CertificateAuthority(certificateFile: caCrt, privateKeyFile: keyFile)
            let client = try ca.issueClientCertificate(user: "bob", groups: ["team"])
            #expect(client.certificate.signatureAlgorithm == .sha256WithRSAEncryption)
            let crt = try dir.write(client.certificatePEM, to: "bob.crt")
            let verify = try run("openssl", ["verify", "-CAfile", caCrt.path, crt.path])
            #expect(verify.stdout.contains("bob.crt: OK"), "\(verify.stderr)")
        }
    }

    @Test func loadsSEC1ECKeys() throws {
        let dir = try TemporaryDirectory()
        let ca = try CertificateAuthority.create()
        let pkcs8 = try dir.write(ca.privateKeyPEM, to: "ca.key")
        let sec1 = dir.file("ca-ec.key")
        try #require(try run("openssl", ["ec", "-in", pkcs8.path, "-out", sec1.path]).succeeded)
        let sec1Text = try String(contentsOf: sec1, encoding: .utf8)
        #expect(sec1Text.hasPrefix("-----BEGIN EC PRIVATE KEY-----"))
        let reloaded = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: sec1Text)
        #expect(reloaded.privateKey == ca.privateKey)
    }

    @Test func refusesMismatchedKeysAndNonCACertificates() throws {
        let ca = try CertificateAuthority.create()
        let other = try CertificateAuthority.create()
        #expect(throws: PKIError.keyDoesNotMatchCertificate) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: other.privateKeyPEM)
        }
        let leaf = try ca.issueClientCertificate(user: "x", groups: [])
        #expect(throws: PKIError.self) {
            try CertificateAuthority(leaf)
        }
        #expect(throws: PKIError.noPEMBlock(expected: "CERTIFICATE")) {
            try CertificateAuthority(certificatePEM: ca.privateKeyPEM, privateKeyPEM: ca.privateKeyPEM)
        }
        #expect(throws: PKIError.noPEMBlock(expected: "PRIVATE KEY")) {
            try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.certificatePEM)
        }
        #expect(throws: (any Error).self) {
            try CertificateAuthority(certificatePEM: "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", privateKeyPEM: ca.privateKeyPEM)
        }
    }

    @Test func ipAddressParsing() throws {
        #expect(try IPAddress("10.96.0.1").bytes == [10, 96, 0, 1])
        #expect(try IPAddress("::1").bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(try IPAddress("::ffff:127.0.0.1").bytes == [127, 0, 0, 1])
        #expect(try IPAddress("fd00::2").description == "fd00::2")
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "fd00:::1", " 1.2.3.4", "kubernetes"] {
            #expect(throws: PKIError.invalidIPAddress(bad)) { try IPAddress(bad) }
        }
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}

func mode(of url: URL) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    return (attributes[.posixPermissions] as? Int ?? -1) & 0o777
}

extension Array where Element == String {
    /// ["a", "b", "c", "d"] → [("a", "b"), ("c", "d")].
    func chunked() -> [(String, String)] {
        stride(from: 0, to: count - 1, by: 2).map { (self[$0], self[$0 + 1]) }
    }
}
