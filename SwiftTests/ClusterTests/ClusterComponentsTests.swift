import Foundation
import Testing

@testable import Cluster

/// The command lines `skiff create cluster` supervises.
@Suite struct ClusterComponentsTests {
    func apiServerArguments(_ paths: ClusterPaths) throws -> [String] {
        let spec = ClusterSpec.make(name: paths.name, nodes: 1, runtime: "simulated", port: 6443)
        return try #require(ClusterComponents.list(spec: spec, paths: paths).first { $0.name == "apiserver" }).arguments
    }

    /// A cluster created since Secrets are encrypted by default has the key file and its API server is
    /// given it; an older cluster, without the file, keeps starting.
    @Test func theAPIServerGetsTheClustersEncryptionConfig() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "enc", clustersDir: dir.url)
        #expect(try !apiServerArguments(paths).contains("--encryption-provider-config"))

        try FileManager.default.createDirectory(at: paths.pki, withIntermediateDirectories: true)
        try Data("apiVersion: apiserver.config.k8s.io/v1\n".utf8).write(to: paths.encryptionConfig)
        let args = try apiServerArguments(paths)
        let flag = try #require(args.firstIndex(of: "--encryption-provider-config"))
        #expect(args[flag + 1] == dir.url.appendingPathComponent("enc/pki/encryption-config.yaml").path)
    }

    /// A cluster with the audit policy `skiff create cluster` writes has its API server audit into
    /// logs/audit.log; an older cluster, without the policy, keeps starting.
    @Test func theAPIServerAuditsIntoTheClustersLogs() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "aud", clustersDir: dir.url)
        #expect(try !apiServerArguments(paths).contains("--audit-policy-file"))

        try AuditPolicyFile.create(at: paths.auditPolicy)
        let args = try apiServerArguments(paths)
        let policy = try #require(args.firstIndex(of: "--audit-policy-file"))
        #expect(args[policy + 1] == dir.url.appendingPathComponent("aud/audit-policy.yaml").path)
        let log = try #require(args.firstIndex(of: "--audit-log-path"))
        #expect(args[log + 1] == dir.url.appendingPathComponent("aud/logs/audit.log").path)
        #expect(try String(contentsOf: paths.auditPolicy, encoding: .utf8) == AuditPolicyFile.text)
    }

    @Test func theAPIServersInflightBudgetsFollowTheMachinesCores() throws {
        let dir = try TemporaryDirectory()
        let args = try apiServerArguments(ClusterPaths(name: "lim", clustersDir: dir.url))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let reads = try #require(args.firstIndex(of: "--max-requests-inflight"))
        let writes = try #require(args.firstIndex(of: "--max-mutating-requests-inflight"))
        #expect(args[reads + 1] == String(16 * cores) && args[writes + 1] == String(8 * cores))
        #expect(ClusterComponents.inflightArguments(cores: 0) == ["--max-requests-inflight", "16", "--max-mutating-requests-inflight", "8"])
    }

    /// Each component's metrics listener is on a loopback port chosen with the cluster and recorded in
    /// cluster.json; a cluster recorded before them starts its components as it always did.
    @Test func componentsServeMetricsOnTheClustersOwnLoopbackPorts() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "met", clustersDir: dir.url)
        func metricsAddress(_ spec: ClusterSpec, _ component: String) throws -> String? {
            let all = ClusterComponents.list(spec: spec, paths: paths) + ClusterAddons.components(
                spec: spec, paths: paths, layouts: NodeLayout.all(spec: spec, paths: paths))
            let args = try #require(all.first { $0.name == component }).arguments
            return args.firstIndex(of: "--metrics-bind-address").map { args[$0 + 1] }
        }
        let simulated = ClusterSpec.make(name: "met", nodes: 2, runtime: "simulated", port: 6443, metricsPorts: [20001, 20002])
        #expect(simulated.metricsPorts == ClusterSpec.MetricsPorts(scheduler: 20001, controllerManager: 20002))
        #expect(try metricsAddress(simulated, "scheduler") == "127.0.0.1:20001")
        #expect(try metricsAddress(simulated, "controller-manager") == "127.0.0.1:20002")

        let real = ClusterSpec.make(name: "met", nodes: 2, runtime: "containerd", port: 6443, hostLink: HostLink(index: 3),
                                    metricsPorts: [20001, 20002, 20003, 20004, 20005])
        #expect(real.metricsPorts?.proxy == ["met-control-plane": 20004, "met-worker": 20005])
        #expect(try metricsAddress(real, "dns") == "127.0.0.1:20003")
        #expect(try metricsAddress(real, "proxy-met-worker") == "127.0.0.1:20005")

        // Saved and read back as cluster.json; an older spec has none, and no component gets the flag.
        try FileManager.default.createDirectory(at: paths.root, withIntermediateDirectories: true)
        try real.save(to: paths.spec)
        #expect(try ClusterSpec.load(from: paths.spec).metricsPorts == real.metricsPorts)
        let old = ClusterSpec.make(name: "met", nodes: 1, runtime: "simulated", port: 6443)
        #expect(old.metricsPorts == nil)
        #expect(try metricsAddress(old, "scheduler") == nil)
        #expect(ClusterSpec.MetricsPorts.count(nodes: 3, runtime: "containerd") == 6)
    }

    /// `--store etcd`: an etcd member on the recorded loopback ports, its data in the cluster's directory, and the
    /// API server on it; the default store runs no etcd and gives the API server no etcd flags.
    @Test func anEtcdStoreRunsAMemberAndPointsTheAPIServerAtIt() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "ec", clustersDir: dir.url)
        let spec = ClusterSpec.make(name: "ec", nodes: 1, runtime: "simulated", port: 6443,
                                    etcdPorts: .init(client: 32379, peer: 32380))
        #expect(spec.store == "etcd" && spec.usesEtcd)
        let components = ClusterComponents.list(spec: spec, paths: paths)
        let etcd = try #require(components.first { $0.name == "etcd" })
        #expect(etcd.executable?.hasSuffix("etcd") == true)
        #expect(etcd.arguments == [
            "--name", "ec-control-plane", "--data-dir", dir.url.appendingPathComponent("ec/etcd").path,
            "--listen-client-urls", "http://127.0.0.1:32379", "--advertise-client-urls", "http://127.0.0.1:32379",
            "--listen-peer-urls", "http://127.0.0.1:32380", "--initial-advertise-peer-urls", "http://127.0.0.1:32380",
            "--initial-cluster", "ec-control-plane=http://127.0.0.1:32380", "--initial-cluster-token", "skiff-ec",
            "--initial-cluster-state", "new",
        ])
        // Started before the API server, which waits for it.
        #expect(components.firstIndex { $0.name == "etcd" }! < components.firstIndex { $0.name == "apiserver" }!)
        let api = try #require(components.first { $0.name == "apiserver" }).arguments
        let storage = try #require(api.firstIndex(of: "--storage"))
        #expect(Array(api[storage...(storage + 3)]) == ["--storage", "etcd", "--etcd-servers", "http://127.0.0.1:32379"])

        let sqlite = ClusterSpec.make(name: "sq", nodes: 1, runtime: "simulated", port: 6443)
        #expect(sqlite.store == "sqlite" && !sqlite.usesEtcd)
        let plain = ClusterComponents.list(spec: sqlite, paths: ClusterPaths(name: "sq", clustersDir: dir.url))
        #expect(!plain.contains { $0.name == "etcd" })
        #expect(try !apiServerArguments(ClusterPaths(name: "sq", clustersDir: dir.url)).contains("--storage"))
    }

    /// A cluster.json written before the store was a choice reads as SQLite.
    @Test func aSpecFromBeforeTheStoreChoiceIsSQLite() throws {
        let dir = try TemporaryDirectory()
        let url = dir.url.appendingPathComponent("cluster.json")
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(
            ClusterSpec.make(name: "old", nodes: 1, runtime: "simulated", port: 6443))) as! [String: Any]
        old["store"] = nil
        old["etcdPorts"] = nil
        try JSONSerialization.data(withJSONObject: old).write(to: url)
        let spec = try ClusterSpec.load(from: url)
        #expect(spec.store == nil && !spec.usesEtcd)
        #expect(ClusterComponents.storageArguments(spec: spec, paths: ClusterPaths(name: "old", clustersDir: dir.url)).isEmpty)
    }

    /// A cluster created with etcd's certificates (every one since they exist) runs etcd on TLS with client
    /// certificates from its own CA, and the API server presents its client certificate.
    @Test func etcdSpeaksTLSWithItsOwnCAOnceTheCertificatesExist() throws {
        let dir = try TemporaryDirectory()
        let paths = ClusterPaths(name: "et", clustersDir: dir.url)
        let spec = ClusterSpec.make(name: "et", nodes: 1, runtime: "simulated", port: 6443, etcdPorts: .init(client: 32379, peer: 32380))
        let files = EtcdPKIFiles(pki: paths.pki)
        try files.create(member: "et-control-plane")
        let etcd = try #require(ClusterComponents.etcd(spec: spec, paths: paths)).arguments
        #expect(etcd.contains("https://127.0.0.1:32379"))
        #expect(Array(etcd.suffix(7)) == ["--cert-file", files.serverCertificate.path, "--key-file", files.serverKey.path,
                                          "--trusted-ca-file", files.caCertificate.path, "--client-cert-auth"])
        #expect(ClusterComponents.storageArguments(spec: spec, paths: paths) == [
            "--storage", "etcd", "--etcd-servers", "https://127.0.0.1:32379", "--etcd-cafile", files.caCertificate.path,
            "--etcd-certfile", files.clientCertificate.path, "--etcd-keyfile", files.clientKey.path,
        ])
        #expect(try String(contentsOf: files.caCertificate, encoding: .utf8).contains("BEGIN CERTIFICATE"))
        let keyMode = try FileManager.default.attributesOfItem(atPath: files.clientKey.path)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
    }
}
