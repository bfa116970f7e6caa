import APIMachinery
import Crypto
import Foundation
import X509

/// A cluster's certificate directory, laid out as kubeadm lays out `/etc/kubernetes/pki`: `<name>.crt`
/// (mode 0644) and `<name>.key` (mode 0600) for the CA and each identity.
///
/// | files | subject | for |
/// | --- | --- | --- |
/// | `ca` | CN=kubernetes | trust anchor for servers and clients |
/// | `apiserver` | CN=kube-apiserver, serverAuth | the API server's HTTPS |
/// | `apiserver-kubelet-client` | CN=kube-apiserver-kubelet-client, O=system:masters | API server → kubelet |
/// | `admin` | CN=kubernetes-admin, O=kubeadm:cluster-admins | `kubectl` |
/// | `scheduler` | CN=system:kube-scheduler | kube-scheduler |
/// | `controller-manager` | CN=system:kube-controller-manager | kube-controller-manager |
/// | `kube-proxy` | CN=system:kube-proxy | every node's kube-proxy |
/// | `dns` | CN=system:serviceaccount:kube-system:coredns | the cluster DNS (upstream runs CoreDNS as that service account) |
/// | `ingress` | CN=system:serviceaccount:kube-system:skiff-ingress | the built-in Ingress controller |
/// | `node-simulator` | CN=system:skiff:node-simulator | the process running every simulated node's kubelet |
/// | `kubelet-<node>` | CN=system:node:<node>, O=system:nodes | each kubelet |
/// | `kubelet-<node>-serving` | CN=<node>, serverAuth, SANs node name, 127.0.0.1, node IP | each kubelet's HTTPS endpoint |
/// | `sa.key` / `sa.pub` | P-256 key pair | signing service account tokens |
///
/// The user names are upstream's, so the default RBAC bindings (`system:kube-scheduler`, `system:node`,
/// `cluster-admin` for `system:masters`) apply unchanged. The admin sits in `kubeadm:cluster-admins`, as
/// kubeadm's (and kind's) does, bound to `cluster-admin` by the `kubeadm:cluster-admins` ClusterRoleBinding
/// the API server's bootstrap policy keeps; only the API server's own kubelet client is in `system:masters`.
public struct ClusterPKI: Sendable {
    public let directory: URL
    public let clusterName: String
    public let authority: CertificateAuthority

    /// Upstream's user names and groups for the fixed identities.
    public enum Identity {
        public static let apiServer = "apiserver"
        public static let apiServerKubeletClient = (file: "apiserver-kubelet-client", user: "kube-apiserver-kubelet-client", groups: ["system:masters"])
        public static let admin = (file: "admin", user: "kubernetes-admin", groups: ["kubeadm:cluster-admins"])
        public static let scheduler = (file: "scheduler", user: "system:kube-scheduler", groups: [String]())
        public static let controllerManager = (file: "controller-manager", user: "system:kube-controller-manager", groups: [String]())
        public static let kubeProxy = (file: "kube-proxy", user: "system:kube-proxy", groups: [String]())
        public static let dns = (file: "dns", user: "system:serviceaccount:kube-system:coredns", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"])
        /// The built-in Ingress controller, as the service account an ingress-nginx or Traefik install runs as.
        public static let ingress = (file: "ingress", user: "system:serviceaccount:kube-system:skiff-ingress", groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"])
        /// `skiff node-simulator`, which runs many simulated nodes' kubelets under one identity (as kwok's
        /// controller does), bound to the `system:node` role for all of them.
        public static let nodeSimulator = (file: "node-simulator", user: "system:skiff:node-simulator", groups: [String]())
        public static let nodesGroup = "system:nodes"
        /// `kubelet-<node>`.
        public static func kubeletFile(_ node: String) -> String { "kubelet-\(node)" }
        /// `kubelet-<node>-serving`: a kubelet's HTTPS certificate.
        public static func kubeletServingFile(_ node: String) -> String { "kubelet-\(node)-serving" }
        /// `system:node:<node>`, the name the Node authorizer and NodeRestriction expect.
        public static func kubeletUser(_ node: String) -> String { "system:node:\(node)" }
    }

    /// The DNS names every API server certificate carries: the in-cluster service names and localhost.
    public static func apiServerDNSNames(dnsDomain: String = "cluster.local") -> [String] {
        [
            "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.\(dnsDomain)", "localhost",
        ]
    }

    /// Creates the directory (mode 0755 if new) and writes a fresh CA and every identity's certificate and key,
    /// replacing files of the same names (a new cluster gets a new directory; `load` reopens an existing one).
    ///
    /// - Parameters:
    ///   - serviceIP: the first address of the service range (`10.96.0.1` for kubeadm's `10.96.0.0/12`),
    ///     which in-cluster clients reach as `kubernetes.default`.
    ///   - extraIPs: further API server addresses (node IPs, the host address kubectl dials).
    ///   - extraDNSNames: further API server names (the control-plane node's name, as kubeadm adds it).
    ///   - nodeNames: the nodes that get a kubelet client certificate now (more via `issueKubeletCertificate`).
    @discardableResult
    public static func create(
        at directory: URL,
        clusterName: String,
        serviceIP: String = "10.96.0.1",
        extraIPs: [String] = [],
        extraDNSNames: [String] = [],
        nodeNames: [String] = [],
        dnsDomain: String = "cluster.local",
        now: Date = Date()
    ) throws -> ClusterPKI {
        // Validate every address before anything is written.
        for ip in [serviceIP] + extraIPs { _ = try IPAddress(ip) }
        try SecureFile.makeDirectory(directory)
        let authority = try CertificateAuthority.create(now: now)
        let pki = ClusterPKI(directory: directory, clusterName: clusterName, authority: authority)
        try authority.identity.write(certificateTo: pki.certificateFile("ca"), privateKeyTo: pki.keyFile("ca"))

        let serving = try authority.issueServingCertificate(
            commonName: "kube-apiserver",
            dnsNames: apiServerDNSNames(dnsDomain: dnsDomain) + extraDNSNames,
            ipAddresses: [serviceIP, "127.0.0.1"] + extraIPs,
            now: now)
        try pki.write(serving, as: Identity.apiServer)

        for client in [Identity.apiServerKubeletClient, Identity.admin, Identity.scheduler, Identity.controllerManager,
                       Identity.kubeProxy, Identity.dns, Identity.ingress, Identity.nodeSimulator] {
            try pki.issueClientCertificate(fileName: client.file, user: client.user, groups: client.groups, now: now)
        }
        for node in nodeNames { try pki.issueKubeletCertificate(nodeName: node, now: now) }
        try pki.writeServiceAccountKeyPair()
        return pki
    }

    /// Opens a directory made by `create`: loads (and checks) the CA.
    public static func load(from directory: URL, clusterName: String) throws -> ClusterPKI {
        let authority = try CertificateAuthority(
            certificateFile: directory.appendingPathComponent("ca.crt"),
            privateKeyFile: directory.appendingPathComponent("ca.key"))
        return ClusterPKI(directory: directory, clusterName: clusterName, authority: authority)
    }

    // MARK: Files

    public func certificateFile(_ name: String) -> URL { directory.appendingPathComponent("\(name).crt") }
    public func keyFile(_ name: String) -> URL { directory.appendingPathComponent("\(name).key") }
    public var serviceAccountPrivateKeyFile: URL { directory.appendingPathComponent("sa.key") }
    public var serviceAccountPublicKeyFile: URL { directory.appendingPathComponent("sa.pub") }

    /// Loads `<name>.crt` / `<name>.key`.
    public func identity(named name: String) throws -> CertificateAndKey {
        try CertificateAndKey(certificateFile: certificateFile(name), privateKeyFile: keyFile(name))
    }

    // MARK: Issuing

    /// Issues and writes `<fileName>.crt` / `.key` for a client.
    @discardableResult
    public func issueClientCertificate(fileName: String, user: String, groups: [String], now: Date = Date()) throws -> CertificateAndKey {
        let issued = try authority.issueClientCertificate(user: user, groups: groups, now: now)
        try write(issued, as: fileName)
        return issued
    }

    /// Issues and writes `kubelet-<node>.crt` / `.key`: user `system:node:<node>` in group `system:nodes`.
    @discardableResult
    public func issueKubeletCertificate(nodeName: String, now: Date = Date()) throws -> CertificateAndKey {
        try issueClientCertificate(
            fileName: Identity.kubeletFile(nodeName), user: Identity.kubeletUser(nodeName),
            groups: [Identity.nodesGroup], now: now)
    }

    /// `kubelet-<node>-serving`: the serving certificate of a kubelet's HTTPS endpoint, which the API server
    /// dials (kubelet client certificate `apiserver-kubelet-client`, trusting `ca`). SANs: the node's name
    /// and `ipAddresses` (loopback, where Skiff's kubelets listen, and the node's InternalIP).
    @discardableResult
    public func issueKubeletServingCertificate(nodeName: String, ipAddresses: [String], now: Date = Date()) throws -> CertificateAndKey {
        let issued = try authority.issueServingCertificate(
            commonName: nodeName, dnsNames: [nodeName], ipAddresses: ipAddresses, now: now)
        try write(issued, as: Identity.kubeletServingFile(nodeName))
        return issued
    }

    /// The node simulator's HTTPS certificate (`kubelet-node-simulator-serving`): every simulated node's
    /// endpoint presents it, on loopback, where the API server dials kubelets.
    @discardableResult
    public func issueNodeSimulatorServingCertificate(now: Date = Date()) throws -> CertificateAndKey {
        try issueKubeletServingCertificate(nodeName: Identity.nodeSimulator.file, ipAddresses: ["127.0.0.1"], now: now)
    }

    // MARK: Kubeconfigs

    /// The name kind-style kubeconfig entries get for this cluster: `skiff-<cluster>`.
    public var kubeconfigEntryName: String { "skiff-\(clusterName)" }

    /// The admin's kubeconfig for `kubectl`, with every entry named `skiff-<cluster>`, ready to merge into
    /// the user's kubeconfig.
    public func adminKubeconfig(server: String) throws -> Kubeconfig {
        try kubeconfig(for: Identity.admin.file, server: server, contextName: kubeconfigEntryName)
    }

    /// A kubeconfig that authenticates as `<fileName>.crt`/`.key` against `server`, with entries named as
    /// kubeadm names them in its `*.conf` files: cluster `kubernetes`, user = the certificate's user, context
    /// `<user>@kubernetes`, unless `contextName` names all three.
    public func kubeconfig(for fileName: String, server: String, contextName: String? = nil) throws -> Kubeconfig {
        let identity = try self.identity(named: fileName)
        let credentials = Kubeconfig.Credentials.clientCertificate(
            certificatePEM: identity.certificatePEM, privateKeyPEM: identity.privateKeyPEM)
        if let contextName {
            return Kubeconfig.forCluster(
                name: contextName, server: server, certificateAuthorityPEM: authority.certificatePEM,
                credentials: credentials)
        }
        let user = ClientIdentity.user(from: identity.certificate)?.name ?? fileName
        return Kubeconfig.forCluster(
            clusterName: "kubernetes", userName: user, contextName: "\(user)@kubernetes", server: server,
            certificateAuthorityPEM: authority.certificatePEM, credentials: credentials)
    }

    /// Writes `<fileName>.conf` (mode 0600) next to the certificates, as kubeadm writes `admin.conf`,
    /// `scheduler.conf`, ...; returns its path.
    @discardableResult
    public func writeKubeconfig(for fileName: String, server: String) throws -> URL {
        let url = directory.appendingPathComponent("\(fileName).conf")
        try SecureFile.write(Data(kubeconfig(for: fileName, server: server).yaml.utf8), to: url, mode: SecureFile.privateMode)
        return url
    }

    // MARK: Private

    private init(directory: URL, clusterName: String, authority: CertificateAuthority) {
        self.directory = directory
        self.clusterName = clusterName
        self.authority = authority
    }

    private func write(_ identity: CertificateAndKey, as name: String) throws(PKIError) {
        try identity.write(certificateTo: certificateFile(name), privateKeyTo: keyFile(name))
    }

    /// `sa.key` (PKCS#8, 0600) and `sa.pub` (SubjectPublicKeyInfo, 0644), as kubeadm's `certs sa` phase.
    private func writeServiceAccountKeyPair() throws(PKIError) {
        let key = P256.Signing.PrivateKey()
        try SecureFile.write(Data((key.pemRepresentation + "\n").utf8), to: serviceAccountPrivateKeyFile, mode: SecureFile.privateMode)
        try SecureFile.write(Data((key.publicKey.pemRepresentation + "\n").utf8), to: serviceAccountPublicKeyFile, mode: SecureFile.publicMode)
    }
}
