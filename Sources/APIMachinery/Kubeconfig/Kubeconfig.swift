import Foundation

/// A kubeconfig (`apiVersion: v1, kind: Config`), kept as a JSON value so that whatever another tool wrote
/// (exec plugins, auth providers, extensions, preferences) survives a merge untouched. The one reader and
/// writer of kubeconfigs: PKI builds and merges them into files, Client reads the server and credentials
/// of a context. It lives here (no I/O, only YAML) so that neither needs the other's dependencies.
///
/// Entries live in the three named lists `clusters`, `users` and `contexts`; `current-context` picks one
/// context. Merging and removal follow kind, whose behaviour users of `kind create/delete cluster` expect.
public struct Kubeconfig: Sendable, Hashable {
    /// The whole document; always an object.
    public private(set) var document: JSON

    /// An empty config, as kubectl writes one.
    public init() {
        document = Self.emptyDocument
    }

    private static let emptyDocument: JSON = [
        "apiVersion": "v1", "kind": "Config", "preferences": [:],
        "clusters": [], "users": [], "contexts": [], "current-context": "",
    ]

    /// Wraps a decoded document; throws unless it is an object whose entry lists are lists of named objects.
    /// A null document (an empty file) is an empty config.
    public init(json: JSON) throws(KubeconfigError) {
        if json.isNull {
            document = Self.emptyDocument
            return
        }
        guard json.isObject else { throw KubeconfigError("expected a mapping at the top level, got \(json.typeName)") }
        for list in Self.lists {
            guard let value = json[list], !value.isNull else { continue }
            guard let entries = value.array else { throw KubeconfigError("\(list) must be a list, got \(value.typeName)") }
            for (index, entry) in entries.enumerated() where !entry.isObject || entry["name"]?.string == nil {
                throw KubeconfigError("\(list)[\(index)] must be a mapping with a string name")
            }
        }
        if let current = json["current-context"], !current.isNull, current.string == nil {
            throw KubeconfigError("current-context must be a string, got \(current.typeName)")
        }
        document = json
    }

    /// Parses kubeconfig text: YAML, or JSON (which is YAML too). Empty text is an empty config.
    public static func parse(_ text: String) throws(KubeconfigError) -> Kubeconfig {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{"), let json = try? JSON.parse(trimmed) {
            return try Kubeconfig(json: json)
        }
        return try Kubeconfig(json: KubeconfigYAML.decode(text))
    }

    /// YAML text with sorted keys, as kubectl writes it.
    public var yaml: String { KubeconfigYAML.encode(document) }

    // MARK: Building

    /// How the user entry authenticates.
    public enum Credentials: Sendable, Hashable {
        /// `client-certificate-data` / `client-key-data`, base64 of the PEM text.
        case clientCertificate(certificatePEM: String, privateKeyPEM: String)
        /// `token`: a bearer token.
        case token(String)
    }

    /// A config with one cluster, one user and one context, each called `name`, and `name` as the current
    /// context: the shape kind writes (`kind-<cluster>` for all three).
    public static func forCluster(
        name: String,
        server: String,
        certificateAuthorityPEM: String,
        credentials: Credentials,
        namespace: String? = nil
    ) -> Kubeconfig {
        forCluster(
            clusterName: name, userName: name, contextName: name, server: server,
            certificateAuthorityPEM: certificateAuthorityPEM, credentials: credentials, namespace: namespace)
    }

    /// A config with one cluster, user and context under separate names, e.g. kubeadm's
    /// `kubernetes` / `kubernetes-admin` / `kubernetes-admin@kubernetes`.
    public static func forCluster(
        clusterName: String,
        userName: String,
        contextName: String,
        server: String,
        certificateAuthorityPEM: String,
        credentials: Credentials,
        namespace: String? = nil
    ) -> Kubeconfig {
        var config = Kubeconfig()
        config.setCluster(
            clusterName,
            ["server": .string(server), "certificate-authority-data": .string(base64(certificateAuthorityPEM))])
        switch credentials {
        case .clientCertificate(let certificatePEM, let privateKeyPEM):
            config.setUser(
                userName,
                [
                    "client-certificate-data": .string(base64(certificatePEM)),
                    "client-key-data": .string(base64(privateKeyPEM)),
                ])
        case .token(let token):
            config.setUser(userName, ["token": .string(token)])
        }
        var context: JSON = ["cluster": .string(clusterName), "user": .string(userName)]
        if let namespace { context["namespace"] = .string(namespace) }
        config.setContext(contextName, context)
        config.currentContext = contextName
        return config
    }

    // MARK: Reading

    public var currentContext: String {
        get { document["current-context"]?.string ?? "" }
        set { document["current-context"] = .string(newValue) }
    }

    public var clusterNames: [String] { names(in: "clusters") }
    public var userNames: [String] { names(in: "users") }
    public var contextNames: [String] { names(in: "contexts") }

    /// The `cluster` body of the named entry (server, certificate-authority-data, ...).
    public func cluster(named name: String) -> JSON? { entry(named: name, in: "clusters")?["cluster"] }
    /// The `user` body of the named entry (client-certificate-data, token, exec, ...).
    public func user(named name: String) -> JSON? { entry(named: name, in: "users")?["user"] }
    /// The `context` body of the named entry (cluster, user, namespace).
    public func context(named name: String) -> JSON? { entry(named: name, in: "contexts")?["context"] }

    // MARK: Changing

    /// Sets the named cluster entry's body, replacing an entry of that name or appending a new one.
    public mutating func setCluster(_ name: String, _ body: JSON) { upsert(["name": .string(name), "cluster": body], in: "clusters") }
    public mutating func setUser(_ name: String, _ body: JSON) { upsert(["name": .string(name), "user": body], in: "users") }
    public mutating func setContext(_ name: String, _ body: JSON) { upsert(["name": .string(name), "context": body], in: "contexts") }

    /// Merges `other` into this config as kind merges its cluster's config into `~/.kube/config`: each of
    /// other's clusters, users and contexts replaces the entries of the same name (in place) or is appended;
    /// every other entry stays; the current context becomes other's; `apiVersion`/`kind` are filled in only
    /// when this config has neither.
    public mutating func merge(_ other: Kubeconfig) {
        for list in Self.lists {
            for entry in other.document[list]?.array ?? [] { upsert(entry, in: list) }
        }
        currentContext = other.currentContext
        if document["apiVersion"] == nil && document["kind"] == nil {
            document["apiVersion"] = other.document["apiVersion"] ?? "v1"
            document["kind"] = other.document["kind"] ?? "Config"
        }
    }

    /// Removes the cluster, user and context entries called `name` (kind's `delete cluster`), and clears the
    /// current context when it was `name`. Returns whether anything changed.
    @discardableResult
    public mutating func removeEntries(named name: String) -> Bool {
        removeEntries(cluster: name, user: name, context: name)
    }

    /// Removes the named cluster, user and context entries; clears the current context when it was `context`.
    @discardableResult
    public mutating func removeEntries(cluster: String, user: String, context: String) -> Bool {
        var changed = false
        for (list, name) in [("clusters", cluster), ("users", user), ("contexts", context)] {
            guard let entries = document[list]?.array else { continue }
            let kept = entries.filter { $0["name"]?.string != name }
            if kept.count != entries.count {
                document[list] = .array(kept)
                changed = true
            }
        }
        if currentContext == context {
            currentContext = ""
            changed = true
        }
        return changed
    }

    // MARK: Private

    private static let lists = ["clusters", "users", "contexts"]

    private func names(in list: String) -> [String] {
        (document[list]?.array ?? []).compactMap { $0["name"]?.string }
    }

    private func entry(named name: String, in list: String) -> JSON? {
        (document[list]?.array ?? []).first { $0["name"]?.string == name }
    }

    /// Replaces every entry with the same name (kind replaces each match) or appends.
    private mutating func upsert(_ entry: JSON, in list: String) {
        var entries = document[list]?.array ?? []
        let name = entry["name"]?.string
        var replaced = false
        for index in entries.indices where entries[index]["name"]?.string == name {
            entries[index] = entry
            replaced = true
        }
        if !replaced { entries.append(entry) }
        document[list] = .array(entries)
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}

/// Why text is not a kubeconfig.
public struct KubeconfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid kubeconfig: \(reason)" }
}
