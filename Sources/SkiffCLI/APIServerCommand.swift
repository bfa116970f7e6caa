import APIServer
import ArgumentParser
import EtcdStorage
import Foundation
import Logging
import Storage

/// `skiff apiserver`: the Kubernetes API over the embedded store, or over an etcd cluster (`--storage etcd`).
struct APIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apiserver", abstract: "Run the Kubernetes API server.")

    @Option(help: "Directory for the embedded SQLite store.")
    var dataDir: String = "/var/lib/skiff/apiserver"

    @Option(help: "Storage backend: sqlite (durable, default), etcd (the cluster in --etcd-servers) or memory (tests).")
    var storage: String = "sqlite"

    @Option(help: "etcd members for --storage etcd, comma separated (https://10.0.0.1:2379,https://10.0.0.2:2379); calls move to the next when one fails.")
    var etcdServers: String?

    @Option(help: "CA bundle (PEM) that signs the etcd members' serving certificates (default: the system's).")
    var etcdCafile: String?

    @Option(help: "Client certificate (PEM) the API server presents to etcd.")
    var etcdCertfile: String?

    @Option(help: "Key (PEM) of --etcd-certfile.")
    var etcdKeyfile: String?

    @Option(help: "Address to listen on.")
    var bindAddress: String = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int = 6443

    @Option(help: "CIDR that Service ClusterIPs are allocated from.")
    var serviceClusterIPRange: String = "10.96.0.0/16"

    @Option(help: "Range of NodePorts, as FIRST-LAST.")
    var serviceNodePortRange: String = "30000-32767"

    @Option(help: "Seconds between compactions of the store's history.")
    var compactionIntervalSeconds: Int = 300

    @Option(help: "Seconds between scrapes of every kubelet's resource metrics for metrics.k8s.io (metrics-server's --metric-resolution).")
    var metricResolutionSeconds: Int = 15

    @Option(help: "Most read-only requests served at once, outside the exempt lane of the cluster's own components; more get 429 (0: no limit).")
    var maxRequestsInflight: Int = 400

    @Option(help: "Most mutating requests served at once, outside the exempt lane; more get 429 (0: no limit).")
    var maxMutatingRequestsInflight: Int = 200

    @Option(help: "Serving certificate (PEM); with --tls-private-key-file the server speaks HTTPS and requires authentication.")
    var tlsCertFile: String?

    @Option(help: "Serving key (PEM).")
    var tlsPrivateKeyFile: String?

    @Option(help: "CA bundle that signs client certificates.")
    var clientCAFile: String?

    @Option(help: "Static bearer tokens, CSV: token,user,uid,\"group1,group2\".")
    var tokenAuthFile: String?

    @Option(help: "Client certificate (PEM) the API server presents to kubelets.")
    var kubeletClientCertificate: String?

    @Option(help: "Key (PEM) of --kubelet-client-certificate.")
    var kubeletClientKey: String?

    @Option(help: "CA bundle that signs kubelets' serving certificates.")
    var kubeletCertificateAuthority: String?

    @Option(help: "Dial kubelets at this address instead of their node's InternalIP.")
    var kubeletHost: String?

    @Option(help: "Network namespace (a path such as /run/netns/NAME) to dial admission webhook Services from.")
    var webhookNetworkNamespace: String?

    @Option(help: "PEM file of public keys that verify service account tokens (repeatable).")
    var serviceAccountKeyFile: [String] = []

    @Option(help: "PEM private key that signs service account tokens (the serviceaccounts/token subresource).")
    var serviceAccountSigningKeyFile: String?

    @Option(help: "Issuer of service account tokens, e.g. https://kubernetes.default.svc.cluster.local (repeatable; the first signs).")
    var serviceAccountIssuer: [String] = []

    @Option(help: "Audiences of the API, comma separated (default: the issuers).")
    var apiAudiences: String?

    @Option(help: "Issue the kubelet's 3607-second pod tokens valid for a year, warning after the requested time.")
    var serviceAccountExtendTokenExpiration: Bool = true

    @Option(help: "Authorizers of authenticated requests, in order: Node, RBAC, AlwaysAllow (comma separated).")
    var authorizationMode: String = "Node,RBAC"

    @Option(help: "EncryptionConfiguration file (apiserver.config.k8s.io/v1): the providers and keys that encrypt resources such as Secrets in the store.")
    var encryptionProviderConfig: String?

    @Option(help: "Audit policy file (audit.k8s.io/v1 Policy): which requests are audited, at which level.")
    var auditPolicyFile: String?

    @Option(help: "If set, audited requests are appended to this file as JSON lines ('-' means standard out).")
    var auditLogPath: String?

    @Option(name: .customLong("audit-log-maxsize"), help: "Megabytes of audit log before it is rotated (0: never).")
    var auditLogMaxSize: Int = 0

    @Option(name: .customLong("audit-log-maxbackup"), help: "Rotated audit logs to keep (0: all).")
    var auditLogMaxBackup: Int = 0

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .info
            return h
        }
        var logger = Logger(label: "apiserver")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info

        var config = APIServerConfig()
        config.bindAddress = bindAddress
        config.port = port
        config.advertiseAddress = bindAddress == "0.0.0.0" ? "127.0.0.1" : bindAddress
        config.serviceCIDR = serviceClusterIPRange
        config.compactionInterval = .seconds(max(compactionIntervalSeconds, 1))
        config.metricResolution = .seconds(max(metricResolutionSeconds, 1))
        guard maxRequestsInflight >= 0, maxMutatingRequestsInflight >= 0 else {
            throw ValidationError("--max-requests-inflight and --max-mutating-requests-inflight cannot be negative")
        }
        config.inflightLimits = InflightLimits(readOnly: maxRequestsInflight, mutating: maxMutatingRequestsInflight)
        config.tlsCertFile = tlsCertFile
        config.tlsKeyFile = tlsPrivateKeyFile
        config.clientCAFile = clientCAFile
        config.tokenAuthFile = tokenAuthFile
        config.authorizationModes = authorizationMode.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        config.kubeletClientCertFile = kubeletClientCertificate
        config.kubeletClientKeyFile = kubeletClientKey
        config.kubeletCAFile = kubeletCertificateAuthority
        config.kubeletHost = kubeletHost
        config.webhookNetworkNamespace = webhookNetworkNamespace
        config.serviceAccountKeyFiles = serviceAccountKeyFile
        config.serviceAccountSigningKeyFile = serviceAccountSigningKeyFile
        config.serviceAccountIssuers = serviceAccountIssuer
        config.apiAudiences = (apiAudiences ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        config.serviceAccountExtendTokenExpiration = serviceAccountExtendTokenExpiration
        config.encryptionProviderConfig = encryptionProviderConfig
        guard auditLogMaxSize >= 0 else { throw ValidationError("--audit-log-maxsize \(auditLogMaxSize) can't be a negative number") }
        guard auditLogMaxBackup >= 0 else { throw ValidationError("--audit-log-maxbackup \(auditLogMaxBackup) can't be a negative number") }
        config.auditPolicyFile = auditPolicyFile
        config.auditLogPath = auditLogPath
        config.auditLogMaxSizeMegabytes = auditLogMaxSize
        config.auditLogMaxBackups = auditLogMaxBackup
        if (serviceAccountSigningKeyFile != nil || !serviceAccountKeyFile.isEmpty) && serviceAccountIssuer.isEmpty {
            throw ValidationError("--service-account-issuer is required with service account keys")
        }
        if (kubeletClientCertificate == nil) != (kubeletClientKey == nil) {
            throw ValidationError("--kubelet-client-certificate and --kubelet-client-key go together")
        }
        let range = serviceNodePortRange.split(separator: "-").compactMap { Int($0) }
        guard range.count == 2, range[0] <= range[1] else {
            throw ValidationError("--service-node-port-range must look like 30000-32767")
        }
        config.nodePortRange = range[0]...range[1]

        let store = try openStore(logger: logger)
        if let etcd = store as? EtcdStore { try await etcd.waitUntilReachable() }
        let server = try APIServer(config: config, store: store, logger: logger)
        let log = logger
        let bind = config.bindAddress
        let scheme = config.isSecure ? "https" : "http"
        try await SignalHandling.runUntilTerminated {
            try await server.run(onListening: { port in
                log.notice("serving on \(scheme)://\(bind):\(port)")
            })
        }
        await store.close()
    }

    /// The store `--storage` names. etcd's options are checked here, before anything listens, as kube-apiserver
    /// refuses to start with a bad one; etcd itself is dialled on the first request (it may come up later).
    func openStore(logger: Logger) throws -> any KeyValueStore {
        if storage != "etcd", etcdServers != nil || etcdCafile != nil || etcdCertfile != nil || etcdKeyfile != nil {
            throw ValidationError("--etcd-servers, --etcd-cafile, --etcd-certfile and --etcd-keyfile go with --storage etcd")
        }
        switch storage {
        case "memory":
            return try Storage.openStore(.memory)
        case "sqlite":
            // 0700: the store holds every Secret (the store narrows an existing folder too).
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return try Storage.openStore(.sqlite(path: dataDir + "/state.db"))
        case "etcd":
            guard let etcdServers else { throw ValidationError("--storage etcd needs --etcd-servers") }
            do {
                let tls = EtcdTLSFiles(caFile: etcdCafile, certFile: etcdCertfile, keyFile: etcdKeyfile)
                let endpoints = try EtcdEndpoint.list(etcdServers)
                for file in [etcdCafile, etcdCertfile, etcdKeyfile].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
                    throw EtcdConfigurationError("cannot read \(file)")
                }
                var etcdLogger = logger
                etcdLogger[metadataKey: "storage"] = "etcd"
                logger.notice("storage: etcd at \(endpoints.map(\.description).joined(separator: ","))")
                return try EtcdStore(endpoints: endpoints, tls: tls, logger: etcdLogger)
            } catch let error as EtcdConfigurationError {
                throw ValidationError(error.description)
            }
        default:
            throw ValidationError("--storage must be sqlite, etcd or memory")
        }
    }
}
