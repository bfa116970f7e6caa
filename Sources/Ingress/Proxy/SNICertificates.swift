import APIMachinery
import Foundation
import NIOCore
import NIOSSL
import PKI
import Synchronization

/// The certificates the HTTPS listener presents, chosen per handshake by the name the client asked for
/// (SNI): each Ingress `spec.tls` host gets its Secret's `tls.crt`/`tls.key`; any other name gets the
/// controller's self-signed default, as ingress-nginx's "Kubernetes Ingress Controller Fake Certificate".
public final class SNICertificates: Sendable {
    public struct Entry: Sendable {
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    public static let defaultCommonName = "Kubernetes Ingress Controller Fake Certificate"

    let defaultEntry: Entry
    private let state = Mutex<(bindings: [(IngressHostMatch, Entry)], parsed: [String: (version: String, entry: Entry?)])>(([], [:]))

    public init() throws {
        let authority = try CertificateAuthority.create(commonName: Self.defaultCommonName)
        let serving = try authority.issueServingCertificate(commonName: Self.defaultCommonName, dnsNames: ["ingress.local"], ipAddresses: [])
        defaultEntry = Entry(chain: [try NIOSSLCertificate(bytes: Array(serving.certificatePEM.utf8), format: .pem)],
                             key: try NIOSSLPrivateKey(bytes: Array(serving.privateKeyPEM.utf8), format: .pem))
    }

    /// Takes the Ingresses' TLS hosts, reading each Secret through `secret` (`namespace/name`). A Secret is
    /// parsed once per resourceVersion; one that is missing or holds no usable pair leaves its hosts on the
    /// default certificate. Returns the Secrets that could not be used, for the log.
    @discardableResult
    public func update(_ bindings: [TLSBinding], secret: (String) -> JSON?) -> [String] {
        var unusable: [String] = []
        let parsed = state.withLock { $0.parsed }
        var next: [String: (version: String, entry: Entry?)] = [:]
        var resolved: [(IngressHostMatch, Entry)] = []
        for b in bindings {
            if let cached = next[b.secret] {
                if let e = cached.entry { resolved.append((b.host, e)) }
                continue
            }
            guard let s = secret(b.secret) else { unusable.append(b.secret); continue }
            let version = s[path: ["metadata", "resourceVersion"]]?.string ?? ""
            let entry: Entry?
            if let old = parsed[b.secret], old.version == version { entry = old.entry } else { entry = Self.parse(s) }
            next[b.secret] = (version, entry)
            if let entry { resolved.append((b.host, entry)) } else { unusable.append(b.secret) }
        }
        // Exact names are looked up before wildcards.
        resolved.sort { $0.0.rank < $1.0.rank }
        state.withLock { $0 = (resolved, next) }
        return unusable
    }

    static func parse(_ secret: JSON) -> Entry? {
        guard let crt = secret[path: ["data", "tls.crt"]]?.string.flatMap({ Data(base64Encoded: $0) }),
              let key = secret[path: ["data", "tls.key"]]?.string.flatMap({ Data(base64Encoded: $0) }),
              let chain = try? NIOSSLCertificate.fromPEMBytes(Array(crt)), !chain.isEmpty,
              let privateKey = try? NIOSSLPrivateKey(bytes: Array(key), format: .pem)
        else { return nil }
        return Entry(chain: chain, key: privateKey)
    }

    /// The entry for a requested server name (nil: no SNI or no Ingress host for it).
    func entry(for serverName: String?) -> Entry? {
        guard let name = serverName?.lowercased() else { return nil }
        return state.withLock { s in s.bindings.first { $0.0.matches(name) }?.1 }
    }

    /// The listener's TLS configuration: the default certificate, ALPN h2 then http/1.1, and the per-name choice.
    public func serverConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: defaultEntry.chain.map { .certificate($0) }, privateKey: .privateKey(defaultEntry.key))
        tls.applicationProtocols = ["h2", "http/1.1"]
        tls.sslContextCallback = { [weak self] values, promise in
            guard let entry = self?.entry(for: values.serverHostname) else { return promise.succeed(.noChanges) }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = entry.chain.map { .certificate($0) }
            override.privateKey = .privateKey(entry.key)
            promise.succeed(override)
        }
        return tls
    }
}
