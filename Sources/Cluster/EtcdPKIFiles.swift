import Foundation
import PKI

/// The certificates between a cluster's API server and its etcd member, laid out as kubeadm lays them out:
/// `pki/etcd/ca.crt`/`.key` (a CA of its own, `etcd-ca`), `pki/etcd/server.crt`/`.key` (etcd's serving
/// certificate: the member's name, localhost and 127.0.0.1) and `pki/apiserver-etcd-client.crt`/`.key`.
///
/// Why a CA of its own, as kubeadm has: etcd trusts every client certificate its CA signed, and the cluster CA
/// signs the kubelets', the admin's and every component's. With the cluster CA any of them could read and write
/// etcd directly, around authorization; with this one only the API server can. Without client certificates at
/// all, any local user could (the embedded SQLite store is a file only root reads).
public struct EtcdPKIFiles: Sendable {
    public let pki: URL

    public init(pki: URL) { self.pki = pki }

    public var directory: URL { pki.appendingPathComponent("etcd") }
    public var caCertificate: URL { directory.appendingPathComponent("ca.crt") }
    public var caKey: URL { directory.appendingPathComponent("ca.key") }
    public var serverCertificate: URL { directory.appendingPathComponent("server.crt") }
    public var serverKey: URL { directory.appendingPathComponent("server.key") }
    public var clientCertificate: URL { pki.appendingPathComponent("apiserver-etcd-client.crt") }
    public var clientKey: URL { pki.appendingPathComponent("apiserver-etcd-client.key") }

    /// Whether the files were made (clusters created before etcd spoke TLS have none, and keep plain HTTP).
    public var exist: Bool { FileManager.default.fileExists(atPath: caCertificate.path) }

    /// Makes the CA and both certificates for the member `member`.
    public func create(member: String, now: Date = Date()) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let authority = try CertificateAuthority.create(commonName: "etcd-ca", now: now)
        try authority.identity.write(certificateTo: caCertificate, privateKeyTo: caKey)
        let server = try authority.issueServingCertificate(commonName: member, dnsNames: [member, "localhost"],
                                                           ipAddresses: ["127.0.0.1"], now: now)
        try server.write(certificateTo: serverCertificate, privateKeyTo: serverKey)
        let client = try authority.issueClientCertificate(user: "kube-apiserver-etcd-client", groups: [], now: now)
        try client.write(certificateTo: clientCertificate, privateKeyTo: clientKey)
    }
}
