import APIMachinery
import Crypto
import Foundation
import Testing
import X509

@testable import PKI

@Suite struct ClusterPKITests {
    @Test func writesKubeadmLayoutWithUpstreamIdentities() async throws {
        let dir = try TemporaryDirectory()
        let pki = try ClusterPKI.create(
            at: dir.file("pki"), clusterName: "dev", extraIPs: ["172.18.0.2"], extraDNSNames: ["dev-control-plane"],
            nodeNames: ["dev-control-plane", "dev-worker"])
        let files = try FileManager.default.contentsOfDirectory(atPath: pki.directory.path).sorted()
        #expect(files == [
            "admin.crt", "admin.key", "apiserver-kubelet-client.crt", "apiserver-kubelet-client.key",
            "apiserver.crt", "apiserver.key", "ca.crt", "ca.key", "controller-manager.crt", "controller-manager.key",
            "dns.crt", "dns.key", "ingress.crt", "ingress.key", "kube-proxy.crt", "kube-proxy.key", "kubelet-dev-control-plane.crt", "kubelet-dev-control-plane.key", "kubelet-dev-worker.crt",
            "kubelet-dev-worker.key", "node-simulator.crt", "node-simulator.key", "sa.key", "sa.pub", "scheduler.crt", "scheduler.key",
        ])
        for file in files {
            let expected = file.hasSuffix(".key") ? 0o600 : 0o644
            #expect(try mode(of: pki.directory.appendingPathComponent(file)) == expected, "\(file)")
        }

        let expectations: [(String, AuthenticatedUser)] = [
            ("admin", AuthenticatedUser(name: "kubernetes-admin", groups: ["kubeadm:cluster-admins"])),
            ("apiserver-kubelet-client", AuthenticatedUser(name: "kube-apiserver-kubelet-client", groups: ["system:masters"])),
            ("scheduler", AuthenticatedUser(name: "system:kube-scheduler")),
            ("controller-manager", AuthenticatedUser(name: "system:kube-controller-manager")),
            ("ingress", AuthenticatedUser(name: "system:serviceaccount:kube-system:skiff-ingress",
                                          groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"])),
            ("node-simulator", AuthenticatedUser(name: "system:skiff:node-simulator")),
            ("kubelet-dev-worker", AuthenticatedUser(name: "system:node:dev-worker", groups: ["system:nodes"])),
            ("kubelet-dev-control-plane", AuthenticatedUser(name: "system:node:dev-control-plane", groups: ["system:nodes"])),
        ]
        let authenticator = ClientCertificateAuthenticator(trustedCAs: [pki.authority.certificate])
        for (name, user) in expectations {
            let identity = try pki.identity(named: name)
            #expect(ClientIdentity.user(from: identity.certificate) == user, "\(name)")
            let verify = try run("openssl", [
                "verify", "-CAfile", pki.certificateFile("ca").path, "-purpose", "sslclient", pki.certificateFile(name).path,
            ])
            #expect(verify.succeeded, "\(name): \(verify.stdout) \(verify.stderr)")
        }
        let admin = try pki.identity(named: "admin")
        #expect(await authenticator.authenticate(chain: [admin.certificate])?.name == "kubernetes-admin")

        let serving = try pki.identity(named: "apiserver")
        let text = try run("openssl", ["x509", "-noout", "-ext", "subjectAltName", "-in", pki.certificateFile("apiserver").path])
        #expect(text.stdout.contains(
            "DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:localhost, DNS:dev-control-plane, IP Address:10.96.0.1, IP Address:127.0.0.1, IP Address:172.18.0.2"))
        #expect(try serving.certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth]))

        // The service account pair: a P-256 key and its public half.
        let saKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: pki.serviceAccountPrivateKeyFile, encoding: .utf8))
        let saPub = try P256.Signing.PublicKey(pemRepresentation: String(contentsOf: pki.serviceAccountPublicKeyFile, encoding: .utf8))
        #expect(saKey.publicKey.rawRepresentation == saPub.rawRepresentation)

        // Reopened from disk, the CA signs new kubelets that chain to the same root.
        let reopened = try ClusterPKI.load(from: pki.directory, clusterName: "dev")
        #expect(reopened.authority == pki.authority)
        let joined = try reopened.issueKubeletCertificate(nodeName: "dev-worker2")
        #expect(ClientIdentity.user(from: joined.certificate)?.name == "system:node:dev-worker2")
        #expect(await authenticator.authenticate(chain: [joined.certificate])?.groups == ["system:nodes"])
    }

    @Test func rejectsBadAddressesBeforeWritingAnything() throws {
        let dir = try TemporaryDirectory()
        let target = dir.file("pki")
        #expect(throws: PKIError.invalidIPAddress("10.96.0")) {
            try ClusterPKI.create(at: target, clusterName: "x", serviceIP: "10.96.0")
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(throws: (any Error).self) { try ClusterPKI.load(from: target, clusterName: "x") }
    }

    /// The files work with real TLS stacks: OpenSSL serves with apiserver.crt and demands a client certificate
    /// from ca.crt; curl (OpenSSL client) connects with admin.crt by IP and by the in-cluster DNS names.
    @Test func curlAndOpenSSLSpeakTLSWithTheFiles() throws {
        let dir = try TemporaryDirectory()
        let pki = try ClusterPKI.create(at: dir.file("pki"), clusterName: "tls", nodeNames: ["n1"])
        let server = try OpenSSLServer(
            certificate: pki.certificateFile("apiserver"), key: pki.keyFile("apiserver"), caFile: pki.certificateFile("ca"),
            directory: dir.url)
        defer { server.stop() }

        func curl(_ url: String, identity: String?, extra: [String] = []) throws -> CommandResult {
            var args = ["-sS", "--max-time", "10", "--cacert", pki.certificateFile("ca").path]
            if let identity { args += ["--cert", pki.certificateFile(identity).path, "--key", pki.keyFile(identity).path] }
            return try run("curl", args + extra + [url])
        }

        let byIP = try curl("https://127.0.0.1:\(server.port)/", identity: "admin")
        #expect(byIP.succeeded, "\(byIP.stderr)")
        #expect(byIP.stdout.contains("Ciphers supported in s_server binary"))
        #expect(byIP.stdout.contains("Verify return code: 0 (ok)"))  // the server accepted admin.crt
        for host in ["kubernetes.default.svc", "kubernetes", "localhost"] {
            let byName = try curl(
                "https://\(host):\(server.port)/", identity: "kubelet-n1",
                extra: ["--resolve", "\(host):\(server.port):127.0.0.1"])
            #expect(byName.succeeded, "\(host): \(byName.stderr)")
        }
        // A name the certificate does not carry fails host verification.
        let wrongName = try curl(
            "https://example.com:\(server.port)/", identity: "admin", extra: ["--resolve", "example.com:\(server.port):127.0.0.1"])
        #expect(!wrongName.succeeded)
        // No client certificate: the server refuses (it demands one signed by ca.crt).
        let anonymous = try curl("https://127.0.0.1:\(server.port)/", identity: nil)
        #expect(!anonymous.succeeded || !anonymous.stdout.contains("s_server binary"))
        // A client certificate from another CA: refused.
        let foreign = try CertificateAuthority.create().issueClientCertificate(user: "kubernetes-admin", groups: ["system:masters"])
        try foreign.write(certificateTo: dir.file("foreign.crt"), privateKeyTo: dir.file("foreign.key"))
        let impostor = try run("curl", [
            "-sS", "--max-time", "10", "--cacert", pki.certificateFile("ca").path, "--cert", dir.file("foreign.crt").path,
            "--key", dir.file("foreign.key").path, "https://127.0.0.1:\(server.port)/",
        ])
        #expect(!impostor.succeeded || !impostor.stdout.contains("s_server binary"))
        // The server's certificate used as a client certificate: wrong purpose, refused.
        let wrongPurpose = try curl("https://127.0.0.1:\(server.port)/", identity: "apiserver")
        #expect(!wrongPurpose.succeeded || !wrongPurpose.stdout.contains("s_server binary"))
        // And a client that does not trust ca.crt refuses the server.
        let untrusting = try run("curl", ["-sS", "--max-time", "10", "https://127.0.0.1:\(server.port)/"])
        #expect(!untrusting.succeeded)
    }

    /// kubectl (Go's crypto/tls) reaches an OpenSSL server with the admin kubeconfig merged into a kubeconfig
    /// file: it trusts certificate-authority-data, presents client-certificate-data/client-key-data, and
    /// matches the server's IP SAN.
    @Test func kubectlUsesTheMergedKubeconfig() throws {
        let dir = try TemporaryDirectory()
        let pki = try ClusterPKI.create(at: dir.file("pki"), clusterName: "go")
        let www = dir.file("www")
        try FileManager.default.createDirectory(at: www, withIntermediateDirectories: true)
        try Data("ok-from-openssl\n".utf8).write(to: www.appendingPathComponent("healthz"))
        let server = try OpenSSLServer(
            certificate: pki.certificateFile("apiserver"), key: pki.keyFile("apiserver"), caFile: pki.certificateFile("ca"),
            mode: "-WWW", directory: www)
        defer { server.stop() }

        let kubeconfig = dir.file("merged.yaml")
        let other = try run("kubectl", ["config", "set-cluster", "elsewhere", "--server=https://10.1.2.3", "--kubeconfig", kubeconfig.path])
        try #require(other.succeeded, "\(other.stderr)")
        try KubeconfigFile.merge(pki.adminKubeconfig(server: "https://127.0.0.1:\(server.port)"), into: kubeconfig)

        let view = try run("kubectl", ["config", "view", "--kubeconfig", kubeconfig.path, "--raw", "-o", "json"])
        try #require(view.succeeded, "\(view.stderr)")
        let seen = try Kubeconfig(json: JSON.parse(view.stdout))
        #expect(seen.clusterNames == ["elsewhere", "skiff-go"])
        #expect(seen.currentContext == "skiff-go")

        let get = try run("kubectl", ["--kubeconfig", kubeconfig.path, "get", "--raw", "/healthz"])
        #expect(get.succeeded, "\(get.stderr)\n\(server.log)")
        #expect(get.stdout == "ok-from-openssl\n")
        // OpenSSL saw the admin's certificate.
        #expect(server.log.contains("CN = kubernetes-admin") || server.log.contains("CN=kubernetes-admin"), "\(server.log)")

        // And by the in-cluster name, as a pod would dial it.
        let byName = try run("kubectl", [
            "--kubeconfig", kubeconfig.path, "get", "--raw", "/healthz",
            "--tls-server-name", "kubernetes.default.svc",
        ])
        #expect(byName.succeeded, "\(byName.stderr)")
        let wrongName = try run("kubectl", [
            "--kubeconfig", kubeconfig.path, "get", "--raw", "/healthz",
            "--tls-server-name", "not-in-the-certificate",
        ])
        #expect(!wrongName.succeeded)
    }

    @Test func componentKubeconfigsAreNamedAsKubeadmNamesThem() throws {
        let dir = try TemporaryDirectory()
        let pki = try ClusterPKI.create(at: dir.file("pki"), clusterName: "c", nodeNames: ["c-control-plane"])
        let url = try pki.writeKubeconfig(for: ClusterPKI.Identity.kubeletFile("c-control-plane"), server: "https://127.0.0.1:6443")
        #expect(url.lastPathComponent == "kubelet-c-control-plane.conf")
        #expect(try mode(of: url) == 0o600)
        let config = try KubeconfigFile.read(url)
        #expect(config.clusterNames == ["kubernetes"])
        #expect(config.userNames == ["system:node:c-control-plane"])
        #expect(config.currentContext == "system:node:c-control-plane@kubernetes")
        let keyData = try #require(config.user(named: "system:node:c-control-plane")?["client-key-data"]?.string)
        let keyPEM = String(decoding: try #require(Data(base64Encoded: keyData)), as: UTF8.self)
        let certificateData = try #require(config.user(named: "system:node:c-control-plane")?["client-certificate-data"]?.string)
        let certificatePEM = String(decoding: try #require(Data(base64Encoded: certificateData)), as: UTF8.self)
        #expect(try CertificateAndKey(certificatePEM: certificatePEM, privateKeyPEM: keyPEM) == pki.identity(named: "kubelet-c-control-plane"))
        let caData = try #require(config.cluster(named: "kubernetes")?["certificate-authority-data"]?.string)
        #expect(String(decoding: try #require(Data(base64Encoded: caData)), as: UTF8.self) == pki.authority.certificatePEM)
        let view = try run("kubectl", ["config", "view", "--kubeconfig", url.path, "--minify", "-o", "jsonpath={.users[0].name}"])
        #expect(view.stdout == "system:node:c-control-plane", "\(view.stderr)")
    }
}
