import APIMachinery
import Foundation
import Testing

@testable import PKI

@Suite struct KubeconfigTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    @Test func buildsKindShapedConfig() throws {
        let config = Kubeconfig.forCluster(
            name: "skiff-dev", server: "https://127.0.0.1:6443", certificateAuthorityPEM: Self.caPEM,
            credentials: .clientCertificate(certificatePEM: "CERT", privateKeyPEM: "KEY"))
        #expect(config.yaml == """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: \(Data(Self.caPEM.utf8).base64EncodedString())
                server: https://127.0.0.1:6443
              name: skiff-dev
            contexts:
            - context:
                cluster: skiff-dev
                user: skiff-dev
              name: skiff-dev
            current-context: skiff-dev
            kind: Config
            preferences: {}
            users:
            - name: skiff-dev
              user:
                client-certificate-data: Q0VSVA==
                client-key-data: S0VZ

            """)
        #expect(try Kubeconfig.parse(config.yaml) == config)
        #expect(try Kubeconfig.parse(config.document.jsonString) == config)

        let tokenConfig = Kubeconfig.forCluster(
            clusterName: "kubernetes", userName: "bot", contextName: "bot@kubernetes", server: "https://10.0.0.1:6443",
            certificateAuthorityPEM: Self.caPEM, credentials: .token("abc"), namespace: "kube-system")
        #expect(tokenConfig.user(named: "bot") == ["token": "abc"])
        #expect(tokenConfig.context(named: "bot@kubernetes") == ["cluster": "kubernetes", "user": "bot", "namespace": "kube-system"])
        #expect(tokenConfig.currentContext == "bot@kubernetes")
    }

    @Test func mergeKeepsForeignEntriesAndReplacesOwn() throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("config")
        // A kubeconfig written by kubectl itself: a foreign cluster with an exec user, and a stale entry of ours.
        for args in [
            ["config", "set-cluster", "prod", "--server=https://prod.example.com", "--insecure-skip-tls-verify=true"],
            ["config", "set-credentials", "prod-user", "--exec-command=/usr/bin/get-token", "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=--region=eu"],
            ["config", "set-context", "prod", "--cluster=prod", "--user=prod-user", "--namespace=payments"],
            ["config", "set-cluster", "skiff-dev", "--server=https://127.0.0.1:1111"],
            ["config", "set-credentials", "skiff-dev", "--token=stale"],
            ["config", "set-context", "skiff-dev", "--cluster=skiff-dev", "--user=skiff-dev"],
            ["config", "set-cluster", "zzz-last", "--server=https://z.example.com"],
            ["config", "use-context", "prod"],
        ] {
            let result = try run("kubectl", args + ["--kubeconfig", file.path])
            try #require(result.succeeded, "\(args): \(result.stderr)")
        }
        let before = try KubeconfigFile.read(file)
        #expect(before.clusterNames == ["prod", "skiff-dev", "zzz-last"])

        let ours = Kubeconfig.forCluster(
            name: "skiff-dev", server: "https://127.0.0.1:6443", certificateAuthorityPEM: Self.caPEM,
            credentials: .clientCertificate(certificatePEM: "CERT", privateKeyPEM: "KEY"))
        try KubeconfigFile.merge(ours, into: file)

        let merged = try KubeconfigFile.read(file)
        // Replaced in place, foreign entries untouched, current context switched.
        #expect(merged.clusterNames == ["prod", "skiff-dev", "zzz-last"])
        #expect(merged.userNames == ["prod-user", "skiff-dev"])
        #expect(merged.contextNames == ["prod", "skiff-dev"])
        #expect(merged.currentContext == "skiff-dev")
        #expect(merged.cluster(named: "skiff-dev")?["server"] == "https://127.0.0.1:6443")
        #expect(merged.user(named: "skiff-dev")?["token"] == nil)
        #expect(merged.user(named: "skiff-dev")?["client-key-data"] == "S0VZ")
        #expect(merged.cluster(named: "prod") == before.cluster(named: "prod"))
        #expect(merged.user(named: "prod-user") == before.user(named: "prod-user"))
        #expect(merged.context(named: "prod") == before.context(named: "prod"))
        #expect(merged.cluster(named: "zzz-last") == before.cluster(named: "zzz-last"))

        // kubectl reads the merged file and sees the same thing.
        let view = try run("kubectl", ["config", "view", "--kubeconfig", file.path, "--raw", "-o", "json"])
        try #require(view.succeeded, "\(view.stderr)")
        let seen = try Kubeconfig(json: JSON.parse(view.stdout))
        #expect(seen.currentContext == "skiff-dev")
        #expect(seen.clusterNames == ["prod", "skiff-dev", "zzz-last"])
        #expect(seen.user(named: "skiff-dev")?["client-certificate-data"] == "Q0VSVA==")
        #expect(seen.user(named: "prod-user")?["exec"]?["command"] == "/usr/bin/get-token")
        #expect(seen.user(named: "prod-user")?["exec"]?["args"] == ["--region=eu"])
        #expect(seen.cluster(named: "prod")?["insecure-skip-tls-verify"] == true)
        #expect(seen.context(named: "prod")?["namespace"] == "payments")
        let contexts = try run("kubectl", ["config", "get-contexts", "-o", "name", "--kubeconfig", file.path])
        #expect(contexts.stdout == "prod\nskiff-dev\n")

        // Delete: only our entries go; the current context is cleared because it was ours.
        #expect(try KubeconfigFile.removeEntries(named: "skiff-dev", from: file))
        let removed = try KubeconfigFile.read(file)
        #expect(removed.clusterNames == ["prod", "zzz-last"])
        #expect(removed.userNames == ["prod-user"])
        #expect(removed.contextNames == ["prod"])
        #expect(removed.currentContext == "")
        #expect(removed.user(named: "prod-user") == before.user(named: "prod-user"))
        #expect(try KubeconfigFile.removeEntries(named: "skiff-dev", from: file) == false)
        let afterRemoval = try run("kubectl", ["config", "view", "--kubeconfig", file.path, "--raw", "-o", "json"])
        #expect(afterRemoval.succeeded, "\(afterRemoval.stderr)")
    }

    @Test func removalKeepsAForeignCurrentContext() {
        var config = Kubeconfig.forCluster(
            name: "other", server: "https://o", certificateAuthorityPEM: Self.caPEM, credentials: .token("t"))
        config.merge(.forCluster(name: "skiff-a", server: "https://a", certificateAuthorityPEM: Self.caPEM, credentials: .token("a")))
        config.currentContext = "other"
        let removed = config.removeEntries(named: "skiff-a")
        #expect(removed)
        #expect(config.currentContext == "other")
        #expect(config.clusterNames == ["other"])
        let removedAgain = config.removeEntries(named: "skiff-a")
        #expect(!removedAgain)
    }

    @Test func mergeIntoMissingOrEmptyFileCreatesAPrivateFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("nested/dir/config")
        let ours = Kubeconfig.forCluster(
            name: "skiff-x", server: "https://127.0.0.1:6443", certificateAuthorityPEM: Self.caPEM, credentials: .token("t"))
        try KubeconfigFile.merge(ours, into: file)
        #expect(try KubeconfigFile.read(file) == ours)
        #expect(try mode(of: file) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: file.path + ".lock"))

        let empty = try dir.write("", to: "empty")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: empty.path)
        try KubeconfigFile.merge(ours, into: empty)
        #expect(try KubeconfigFile.read(empty) == ours)
        #expect(try mode(of: empty) == 0o644)  // an existing file keeps its mode
    }

    @Test func mergeFillsApiVersionAndKindOnlyWhenMissing() throws {
        var bare = try Kubeconfig.parse("clusters:\n- name: a\n  cluster:\n    server: https://a\n")
        bare.merge(.forCluster(name: "b", server: "https://b", certificateAuthorityPEM: Self.caPEM, credentials: .token("t")))
        #expect(bare.document["apiVersion"] == "v1")
        #expect(bare.document["kind"] == "Config")
        #expect(bare.clusterNames == ["a", "b"])
        #expect(bare.contextNames == ["b"])
    }

    @Test func stringsThatLookLikeOtherTypesStayStrings() throws {
        let dir = try TemporaryDirectory()
        let tricky = Kubeconfig.forCluster(
            name: "yes", server: "https://127.0.0.1:6443", certificateAuthorityPEM: Self.caPEM,
            credentials: .token("0755"), namespace: "true")
        var config = tricky
        config.setCluster("null", ["server": "https://n", "tls-server-name": ""])
        config.setCluster("1.5", ["server": "https://f", "proxy-url": "~"])
        // Plain scalars that goyaml v2 (kubectl) or YAML 1.1 would not read as strings.
        let lookalikes = ["y", "n", "Y", "on", "off", "0o17", "0x1F", "0b101", "1_000", "0755", ".inf", "-.5", "1e3", "2001-12-14", "<<", "="]
        for name in lookalikes { config.setContext(name, ["cluster": .string(name), "user": "yes"]) }
        let file = dir.file("config")
        try KubeconfigFile.write(config, to: file)
        #expect(try KubeconfigFile.read(file) == config)
        let view = try run("kubectl", ["config", "view", "--kubeconfig", file.path, "--raw", "-o", "json"])
        try #require(view.succeeded, "\(view.stderr)")
        let seen = try Kubeconfig(json: JSON.parse(view.stdout))
        #expect(seen.clusterNames.sorted() == ["1.5", "null", "yes"])  // kubectl lists entries sorted
        #expect(seen.user(named: "yes")?["token"] == "0755")
        #expect(seen.context(named: "yes")?["namespace"] == "true")
        #expect(seen.cluster(named: "1.5")?["proxy-url"] == "~")
        for name in lookalikes { #expect(seen.context(named: name)?["cluster"] == .string(name), "\(name)") }
    }

    @Test func rejectsMalformedKubeconfigs() throws {
        for text in ["clusters: 3", "- a\n- b", "clusters:\n- server: x", "current-context: [a]", "clusters: [\n"] {
            #expect(throws: KubeconfigError.self, "\(text)") { try Kubeconfig.parse(text) }
        }
        #expect(try Kubeconfig.parse("") == Kubeconfig())
        #expect(try Kubeconfig.parse("# only a comment\n") == Kubeconfig())
        #expect(try Kubeconfig.parse("clusters: null\nusers: ~\n").clusterNames == [])
    }

    @Test func lockHeldByAnotherWriterStopsTheMerge() throws {
        let dir = try TemporaryDirectory()
        let file = dir.file("config")
        let lock = try dir.write("", to: "config.lock")
        #expect(throws: PKIError.kubeconfigLocked(lock.path)) {
            try KubeconfigFile.withLock(file, timeout: 0.1) { () throws(PKIError) in }
        }
        try FileManager.default.removeItem(at: lock)
        let value = try KubeconfigFile.withLock(file, timeout: 0.1) { () throws(PKIError) -> Int in
            #expect(FileManager.default.fileExists(atPath: lock.path))
            return 7
        }
        #expect(value == 7)
        #expect(!FileManager.default.fileExists(atPath: lock.path))
    }

    @Test func pathForMergeFollowsKind() throws {
        let dir = try TemporaryDirectory()
        let home = dir.file("home")
        let existing = try dir.write("", to: "exists")
        let missingA = dir.file("missing-a").path
        let missingB = dir.file("missing-b").path
        #expect(KubeconfigFile.pathForMerge(explicitPath: "/x/y", environment: ["KUBECONFIG": existing.path], homeDirectory: home).path == "/x/y")
        #expect(KubeconfigFile.pathForMerge(environment: ["KUBECONFIG": "\(missingA):\(existing.path)"], homeDirectory: home).path == existing.path)
        #expect(KubeconfigFile.pathForMerge(environment: ["KUBECONFIG": "\(missingA):\(missingB)"], homeDirectory: home).path == missingB)
        #expect(KubeconfigFile.pathForMerge(environment: [:], homeDirectory: home).path == home.path + "/.kube/config")
        #expect(KubeconfigFile.pathForMerge(environment: ["KUBECONFIG": ""], homeDirectory: home).path == home.path + "/.kube/config")
    }
}
