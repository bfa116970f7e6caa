import APIMachinery
import Foundation

/// Reads a kubeconfig file (YAML or JSON, as kubectl writes it) into the `ClientConfig` of its current
/// context: server URL, CA, client certificate and key, or bearer token. Inline `*-data` fields and file
/// paths (relative to the kubeconfig's directory) are both understood. The document itself is
/// APIMachinery's `Kubeconfig`, the same reader PKI writes with.
public enum KubeconfigLoader {
    public static func load(path: String, context: String? = nil, userAgent: String = "skiff") throws -> ClientConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let config: Kubeconfig
        do { config = try Kubeconfig.parse(text) } catch { throw APIError.badRequest("cannot read kubeconfig \(path): \(error)") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let contextName = context ?? config.currentContext
        guard let ctx = config.context(named: contextName) else {
            throw APIError.badRequest("kubeconfig \(path) has no context \"\(contextName)\"")
        }
        guard let cluster = config.cluster(named: ctx["cluster"]?.string ?? ""), let server = cluster["server"]?.string else {
            throw APIError.badRequest("kubeconfig \(path): context \"\(contextName)\" names no cluster with a server")
        }
        let user = config.user(named: ctx["user"]?.string ?? "") ?? [:]
        func bytes(_ obj: JSON, data: String, file: String) throws -> Data? {
            if let d = obj[data]?.string { return Data(base64Encoded: d) }
            if let f = obj[file]?.string {
                let url = f.hasPrefix("/") ? URL(fileURLWithPath: f) : base.appendingPathComponent(f)
                return try Data(contentsOf: url)
            }
            return nil
        }
        var client = ClientConfig(server: server, bearerToken: user["token"]?.string, userAgent: userAgent)
        client.caPEM = try bytes(cluster, data: "certificate-authority-data", file: "certificate-authority")
        client.clientCertificatePEM = try bytes(user, data: "client-certificate-data", file: "client-certificate")
        client.clientKeyPEM = try bytes(user, data: "client-key-data", file: "client-key")
        return client
    }
}
