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
}
