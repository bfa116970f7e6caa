import Foundation

/// Where a cluster's files live: `${SKIFF_HOME:-/var/lib/skiff}/clusters/<name>/` holding its spec, PKI,
/// store, per-component logs and the supervisor's pid file.
public struct ClusterPaths: Sendable {
    public let name: String
    public let root: URL

    public static var home: URL {
        if let h = ProcessInfo.processInfo.environment["SKIFF_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        return URL(fileURLWithPath: "/var/lib/skiff")
    }

    public static var clustersDir: URL { home.appendingPathComponent("clusters") }

    public init(name: String) {
        self.init(name: name, clustersDir: Self.clustersDir)
    }

    /// A cluster under another clusters directory (tests, which must not touch `SKIFF_HOME`).
    init(name: String, clustersDir: URL) {
        self.name = name
        root = clustersDir.appendingPathComponent(name)
    }

    /// The cluster whose spec is `spec` (a component given `--cluster-spec`).
    public init(spec: URL) {
        root = spec.deletingLastPathComponent()
        name = root.lastPathComponent
    }

    public var spec: URL { root.appendingPathComponent("cluster.json") }
    public var pki: URL { root.appendingPathComponent("pki") }
    /// The API server's `--encryption-provider-config` (the key Secrets are encrypted with), 0600 in pki/.
    public var encryptionConfig: URL { pki.appendingPathComponent("encryption-config.yaml") }
    /// The API server's `--audit-policy-file` (what is audited; docs/audit.md).
    public var auditPolicy: URL { root.appendingPathComponent("audit-policy.yaml") }
    /// The API server's `--audit-log-path`, beside the components' logs (`skiff logs audit`).
    public var auditLog: URL { log("audit") }
    public var data: URL { root.appendingPathComponent("data") }
    /// The etcd member's `--data-dir` when the cluster's store is etcd (`--store etcd`).
    public var etcdData: URL { root.appendingPathComponent("etcd") }
    public var logs: URL { root.appendingPathComponent("logs") }
    public var run: URL { root.appendingPathComponent("run") }
    public var supervisorPID: URL { run.appendingPathComponent("supervisor.pid") }
    public var kubeconfig: URL { root.appendingPathComponent("kubeconfig") }

    public func log(_ component: String) -> URL { logs.appendingPathComponent(component + ".log") }
    public func pidFile(_ component: String) -> URL { run.appendingPathComponent(component + ".pid") }

    /// Names of the clusters that have a spec on this machine.
    public static func existingClusters() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: clustersDir.path)) ?? []
        return names.filter { FileManager.default.fileExists(atPath: ClusterPaths(name: $0).spec.path) }.sorted()
    }
}
