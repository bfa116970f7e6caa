import APIMachinery
import Foundation

/// Reads a kubeconfig file (YAML or JSON, as kubectl writes it) into the `ClientConfig` of its current
/// context: server URL, CA, client certificate and key, or bearer token. Inline `*-data` fields and file
/// paths (relative to the kubeconfig's directory) are both understood.
public enum KubeconfigLoader {
    public static func load(path: String, context: String? = nil, userAgent: String = "skiff") throws -> ClientConfig {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let doc: JSON
        do { doc = try YAMLDecoding.decode(text) } catch { throw APIError.badRequest("cannot read kubeconfig \(path): \(error)") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let ctxName = context ?? doc["current-context"]?.string ?? ""
        func named(_ list: String, _ name: String) -> JSON? {
            doc[list]?.array?.first { $0["name"]?.string == name }
        }
        guard let ctx = named("contexts", ctxName)?["context"] else {
            throw APIError.badRequest("kubeconfig \(path) has no context \"\(ctxName)\"")
        }
        guard let cluster = named("clusters", ctx["cluster"]?.string ?? "")?["cluster"], let server = cluster["server"]?.string else {
            throw APIError.badRequest("kubeconfig \(path): context \"\(ctxName)\" names no cluster with a server")
        }
        let user = named("users", ctx["user"]?.string ?? "")?["user"] ?? [:]
        func bytes(_ obj: JSON, data: String, file: String) throws -> Data? {
            if let d = obj[data]?.string { return Data(base64Encoded: d) }
            if let f = obj[file]?.string {
                let url = f.hasPrefix("/") ? URL(fileURLWithPath: f) : base.appendingPathComponent(f)
                return try Data(contentsOf: url)
            }
            return nil
        }
        var config = ClientConfig(server: server, bearerToken: user["token"]?.string, userAgent: userAgent)
        config.caPEM = try bytes(cluster, data: "certificate-authority-data", file: "certificate-authority")
        config.clientCertificatePEM = try bytes(user, data: "client-certificate-data", file: "client-certificate")
        config.clientKeyPEM = try bytes(user, data: "client-key-data", file: "client-key")
        return config
    }
}
