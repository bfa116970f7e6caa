import APIMachinery
import Benchmarks
import Client
import Cluster
import Foundation
import PKI

/// `skiff bench api --compare-authorization-audit`: what authorizing and auditing every request costs the
/// API server's create throughput, measured in one run. Both setups serve HTTPS to a client certificate, so
/// TLS and authentication weigh alike on both sides and the difference is authorization plus audit:
///
/// - *authorized and audited*: `--authorization-mode=Node,RBAC` and the Metadata-level policy a cluster
///   created by `skiff create cluster` runs with, logging to a file;
/// - *reference*: `--authorization-mode=AlwaysAllow`, no audit.
///
/// The client is a user outside `system:masters` (whose members upstream allows before any authorizer is
/// asked), bound to `cluster-admin` by a ClusterRoleBinding, so RBAC evaluates the bindings on every create.
/// Rounds alternate the order of the setups, and each starts a server on an empty store, so neither side
/// has the warmer machine or the fuller database; the verdict compares medians (`ThroughputComparison`).
struct AuthorizationAuditComparison {
    let pods: Int
    let clients: Int
    let rounds: Int

    /// Issue 17's budget: authorization and audit may cost less than this share of the throughput.
    static let budgetPercent = 10.0
    /// The benchmark's client: its own user, in no group, so only its ClusterRoleBinding authorizes it.
    static let user = "skiff-bench"

    enum Setup: String, CaseIterable {
        case authorizedAndAudited = "Node,RBAC + Metadata audit"
        case reference = "AlwaysAllow, no audit"
    }

    /// One round of one setup.
    struct Round {
        var createsPerSecond: Double
        var auditEvents: Int
    }

    func run() async throws {
        guard pods > 0, clients > 0, rounds > 0 else { throw BenchError("--pods, --clients and --rounds must be positive") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-\(getpid())-authz")
        try? FileManager.default.removeItem(at: directory)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pki = try ClusterPKI.create(at: directory.appendingPathComponent("pki"), clusterName: "bench")
        try pki.issueClientCertificate(fileName: Self.user, user: Self.user, groups: [])
        let policy = directory.appendingPathComponent("audit-policy.yaml")
        try AuditPolicyFile.create(at: policy)
        let auditLog = directory.appendingPathComponent("audit.log")

        var throughput: [Setup: [Double]] = [:]
        let latency: [Setup: LatencyRecorder] = [.authorizedAndAudited: LatencyRecorder(), .reference: LatencyRecorder()]
        print("\(pods) pod creates with \(clients) clients per round, \(rounds) rounds per setup, HTTPS with client certificates")
        for round in 1...rounds {
            let order: [Setup] = round % 2 == 1 ? [.authorizedAndAudited, .reference] : [.reference, .authorizedAndAudited]
            for setup in order {
                let recorder = LatencyRecorder()
                let result = try await measure(setup, pki: pki, policy: policy, auditLog: auditLog, latency: [recorder, latency[setup]!])
                throughput[setup, default: []].append(result.createsPerSecond)
                let audit = setup == .authorizedAndAudited ? String(format: "; %d audit events", result.auditEvents) : ""
                print(String(format: "round %d, %@: %.0f creates/s; %@%@", round, setup.rawValue, result.createsPerSecond,
                             recorder.summary(), audit))
            }
        }

        let comparison = ThroughputComparison(with: throughput[.authorizedAndAudited] ?? [], without: throughput[.reference] ?? [])
        for (setup, median) in [(Setup.authorizedAndAudited, comparison.medianWith), (.reference, comparison.medianWithout)] {
            let l = latency[setup]!
            print(String(format: "%@: median %.0f creates/s; all rounds p50 %.2f ms, p99 %.2f ms (n=%d)",
                         setup.rawValue, median, l.percentile(50), l.percentile(99), l.count))
        }
        let verdict = comparison.lossIsBelow(Self.budgetPercent) ? "below" : "NOT below"
        print(String(format: "create throughput lost to authorization and audit: %.1f%% (%@ the %.0f%% budget)",
                     comparison.lossPercent, verdict, Self.budgetPercent))
    }

    /// Starts a server for `setup` on an empty store, has the admin bind the bench user to `cluster-admin`,
    /// creates `pods` pods as that user over `clients` concurrent clients, and stops the server.
    private func measure(_ setup: Setup, pki: ClusterPKI, policy: URL, auditLog: URL, latency: [LatencyRecorder]) async throws -> Round {
        let port = BenchAPIServer.port()
        try? FileManager.default.removeItem(at: auditLog)
        let admin = KubeClient(try clientConfig(ClusterPKI.Identity.admin.file, pki: pki, port: port))
        var benchConfig = try clientConfig(Self.user, pki: pki, port: port)
        benchConfig.maxConnections = clients + 16
        let bench = KubeClient(benchConfig)
        let server: BenchAPIServer
        do {
            server = try await BenchAPIServer(storage: "sqlite", probe: admin, port: port,
                                              arguments: serverArguments(setup, pki: pki, policy: policy, auditLog: auditLog), https: true)
        } catch {
            await admin.shutdown()
            await bench.shutdown()
            throw error
        }
        let outcome: Result<Double, any Error>
        do {
            outcome = .success(try await createPods(setup, admin: admin, bench: bench, latency: latency))
        } catch {
            outcome = .failure(error)
        }
        await admin.shutdown()
        await bench.shutdown()
        server.stop()
        let rate = try outcome.get()
        let events = setup == .authorizedAndAudited ? try Self.lineCount(auditLog) : 0
        if setup == .authorizedAndAudited && events < pods {
            throw BenchError("the audit log holds \(events) events for \(pods) creates: the server did not audit")
        }
        return Round(createsPerSecond: rate, auditEvents: events)
    }

    /// The timed part of a round; returns creates per second.
    private func createPods(_ setup: Setup, admin: KubeClient, bench: KubeClient, latency: [LatencyRecorder]) async throws -> Double {
        let namespace: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]]
        if setup == .authorizedAndAudited {
            // Proof that RBAC decides: before its binding exists, the bench user may not create anything.
            do {
                _ = try await bench.create(.namespaces, namespace)
                throw BenchError("\(Self.user) created a namespace before it was bound to a role: RBAC is not deciding")
            } catch let error as APIError where error.code == 403 {}
        }
        try await admin.create(.namespaces, namespace)
        let binding: JSON = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": ["name": .string(Self.user)],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"],
            "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": .string(Self.user)]],
        ]
        try await admin.create(ResourcePath(group: "rbac.authorization.k8s.io", resource: "clusterrolebindings"), binding)

        let podsPath = ResourcePath.pods.inNamespace("bench")
        let t0 = ContinuousClock.now
        try await concurrently(pods, workers: clients) { i in
            let s = ContinuousClock.now
            try await bench.create(podsPath, APIBench.pod("p-\(i)"))
            let seconds = (ContinuousClock.now - s).seconds
            for recorder in latency { recorder.record(seconds) }
        }
        return Double(pods) / (ContinuousClock.now - t0).seconds
    }

    /// Both setups serve the same certificate and trust the same CA; they differ in authorization and audit.
    private func serverArguments(_ setup: Setup, pki: ClusterPKI, policy: URL, auditLog: URL) -> [String] {
        let tls = [
            "--tls-cert-file", pki.certificateFile(ClusterPKI.Identity.apiServer).path,
            "--tls-private-key-file", pki.keyFile(ClusterPKI.Identity.apiServer).path,
            "--client-ca-file", pki.certificateFile("ca").path,
        ]
        switch setup {
        case .authorizedAndAudited:
            return tls + ["--authorization-mode", "Node,RBAC",
                          "--audit-policy-file", policy.path, "--audit-log-path", auditLog.path,
                          "--audit-log-maxsize", "100", "--audit-log-maxbackup", "3"]
        case .reference:
            return tls + ["--authorization-mode", "AlwaysAllow"]
        }
    }

    private func clientConfig(_ identityFile: String, pki: ClusterPKI, port: Int) throws -> ClientConfig {
        let identity = try pki.identity(named: identityFile)
        var config = ClientConfig(server: "https://127.0.0.1:\(port)", userAgent: "skiff-bench")
        config.caPEM = Data(pki.authority.certificatePEM.utf8)
        config.clientCertificatePEM = Data(identity.certificatePEM.utf8)
        config.clientKeyPEM = Data(identity.privateKeyPEM.utf8)
        return config
    }

    /// Lines of the audit log (one JSON event each), rotated backups included.
    private static func lineCount(_ log: URL) throws -> Int {
        let dir = log.deletingLastPathComponent()
        let stem = log.deletingPathExtension().lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasPrefix(stem) && $0.hasSuffix(".log") }
            .map { try Data(contentsOf: dir.appendingPathComponent($0)).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            .reduce(0, +)
    }
}
