import APIMachinery

/// Kubeconfig files, read by every `skiff` command and by the components: a file that parses is written
/// back (as kubectl writes it) and parses to the same document.
public struct KubeconfigTarget: ParserFuzzTarget {
    public let name = "kubeconfig"
    public init() {}

    public var seeds: [[UInt8]] {
        [
            """
            apiVersion: v1
            kind: Config
            current-context: kind-skiff
            clusters:
            - name: kind-skiff
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: LS0tLS1CRUdJTg==
            contexts:
            - name: kind-skiff
              context: {cluster: kind-skiff, user: admin, namespace: default}
            users:
            - name: admin
              user:
                client-certificate-data: QUJD
                client-key-data: REVG
                token: abc.def
            preferences: {}
            """,
            #"{"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"http://localhost:8080","insecure-skip-tls-verify":true}}],"users":[{"name":"u","user":{"username":"a","password":"b"}}],"contexts":[],"current-context":""}"#,
        ].map { Array($0.utf8) }
    }

    public func check(_ input: [UInt8]) -> ParserFuzzOutcome {
        guard let config = try? Kubeconfig.parse(String(decoding: input, as: UTF8.self)) else { return .refused }
        _ = (config.currentContext, config.clusterNames, config.userNames, config.contextNames)
        guard let again = try? Kubeconfig.parse(config.yaml) else {
            return .problem("the written kubeconfig does not parse: \(config.yaml.prefix(200))")
        }
        return again.document == config.document ? .accepted : .problem("the written kubeconfig reads back differently")
    }
}
