import Foundation

/// How an API server is set up: where it listens, what it stores, what it allocates from.
public struct APIServerConfig: Sendable {
    public var bindAddress: String = "127.0.0.1"
    public var port: Int = 6443
    /// The service IP range ClusterIPs are allocated from; its first address is the `kubernetes` service.
    public var serviceCIDR: String = "10.96.0.0/16"
    public var nodePortRange: ClosedRange<Int> = 30000...32767
    /// Bodies larger than this are refused with 413 (upstream's limit is 3 MiB).
    public var maxRequestBodyBytes: Int = 3 * 1024 * 1024
    /// Requests outside the exempt lane served at once (`--max-requests-inflight`,
    /// `--max-mutating-requests-inflight`); more get 429.
    public var inflightLimits = InflightLimits()
    /// Events older than this many revisions are compacted away (the watch history window).
    public var compactionInterval: Duration = .seconds(300)
    /// How often every kubelet's resource metrics are scraped for `metrics.k8s.io` (metrics-server's
    /// `--metric-resolution`).
    public var metricResolution: Duration = .seconds(15)
    /// How often idle watches get a BOOKMARK when they asked for them.
    public var bookmarkInterval: Duration = .seconds(30)
    /// The address clients should use to reach this server (endpoints of `default/kubernetes`).
    public var advertiseAddress: String = "127.0.0.1"

    /// Serving certificate and key (PEM). With them the server speaks HTTPS and requires authentication.
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// CA bundle that signs client certificates (upstream's `--client-ca-file`).
    public var clientCAFile: String?
    /// Static bearer tokens (upstream's `--token-auth-file` CSV: token,user,uid,"group1,group2").
    public var tokenAuthFile: String?

    /// The client certificate and key the server presents to kubelets (upstream's
    /// `--kubelet-client-certificate`/`--kubelet-client-key`); with them kubelets are dialed over HTTPS.
    public var kubeletClientCertFile: String?
    public var kubeletClientKeyFile: String?
    /// The CA that signs kubelets' serving certificates (`--kubelet-certificate-authority`).
    public var kubeletCAFile: String?
    /// The address kubelets are dialed at instead of their node's InternalIP (`--kubelet-host`; Skiff's
    /// kubelets listen on loopback in the root namespace).
    public var kubeletHost: String?
    /// The network namespace admission webhooks behind a Service are dialled from (Skiff's
    /// `--webhook-network-namespace`): the control-plane node's, which routes every pod address; nil
    /// dials from the API server's own namespace (docs/admission-webhooks.md).
    public var webhookNetworkNamespace: String?

    /// Kubelets are dialed over HTTPS when a client certificate or a CA for them is configured; plain HTTP
    /// otherwise (tests with in-process fake kubelets).
    public var kubeletsUseTLS: Bool { kubeletClientCertFile != nil || kubeletCAFile != nil }

    /// PEM files whose public keys verify service-account tokens (`--service-account-key-file`, repeatable);
    /// the signing key's public half is always trusted too.
    public var serviceAccountKeyFiles: [String] = []
    /// The private key that signs the tokens the `serviceaccounts/token` subresource issues
    /// (`--service-account-signing-key-file`). Without it no tokens are issued and pods get no token volume.
    public var serviceAccountSigningKeyFile: String?
    /// `--service-account-issuer` (repeatable): the first is written into new tokens' `iss`; tokens naming
    /// any of them are verified.
    public var serviceAccountIssuers: [String] = []
    /// `--api-audiences`: what a token must be meant for to authenticate here, and the audience of tokens
    /// requested without one. Empty: the issuers (upstream's default).
    public var apiAudiences: [String] = []
    /// `--service-account-extend-token-expiration`: the kubelet's 3607-second tokens are issued valid for a
    /// year, with a `warnafter` at the requested time, so a kubelet that misses a refresh does not break pods.
    public var serviceAccountExtendTokenExpiration = true

    /// The audiences tokens are checked against and defaulted to.
    public var tokenAudiences: [String] { apiAudiences.isEmpty ? serviceAccountIssuers : apiAudiences }

    /// `--authorization-mode`: the authorizers authenticated requests pass, in order (upstream's kubeadm
    /// default `Node,RBAC`; `AlwaysAllow` turns authorization off). Requests on a plain-HTTP server carry no
    /// user and are not authorized.
    public var authorizationModes: [String] = ["Node", "RBAC"]

    public var isSecure: Bool { tlsCertFile != nil && tlsKeyFile != nil }

    /// `--encryption-provider-config`: an `EncryptionConfiguration` file naming the resources whose stored
    /// values are encrypted and the providers and keys that do it (see docs/encryption-at-rest.md). Read
    /// when the server starts; a file that does not validate stops it.
    public var encryptionProviderConfig: String?

    /// `--audit-policy-file`: the audit.k8s.io/v1 `Policy` deciding which requests are audited and at what
    /// level (see docs/audit.md). Read when the server starts; a policy that does not validate stops it.
    public var auditPolicyFile: String?
    /// `--audit-log-path`: where audit events are appended as JSON lines ("-": standard output). With no
    /// policy nothing is recorded, as upstream.
    public var auditLogPath: String?
    /// `--audit-log-maxsize`: megabytes before the log is rotated (0: never).
    public var auditLogMaxSizeMegabytes = 0
    /// `--audit-log-maxbackup`: rotated logs kept (0: all).
    public var auditLogMaxBackups = 0

    public init() {}
}
