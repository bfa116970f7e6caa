import APIMachinery
import Ingress
import Testing

@Suite struct RoutingTableTests {
    func ingress(_ name: String, created: String = "2026-01-01T00:00:00Z", className: String? = "skiff", rules: [JSON], defaultBackend: JSON? = nil, tls: [JSON] = []) -> JSON {
        var spec: JSON = ["rules": .array(rules)]
        if let className { spec["ingressClassName"] = .string(className) }
        if let defaultBackend { spec["defaultBackend"] = defaultBackend }
        if !tls.isEmpty { spec["tls"] = .array(tls) }
        return ["metadata": ["name": .string(name), "namespace": "default", "creationTimestamp": .string(created)], "spec": spec]
    }

    func rule(host: String?, _ paths: [(String, String, String)]) -> JSON {
        var r: JSON = ["http": ["paths": .array(paths.map { p in
            ["path": .string(p.0), "pathType": .string(p.1), "backend": ["service": ["name": .string(p.2), "port": ["number": 80]]]]
        })]]
        if let host { r["host"] = .string(host) }
        return r
    }

    /// Services named in `names`, each with port 80 ("http" → 8080) and one ready endpoint 10.0.0.N.
    func builder(_ names: [String]) -> RoutingTableBuilder {
        let services = Dictionary(uniqueKeysWithValues: names.map { n -> (String, JSON) in
            ("default/\(n)", ["metadata": ["name": .string(n), "namespace": "default"], "spec": ["ports": [["name": "http", "port": 80, "protocol": "TCP"]]]])
        })
        let slices = Dictionary(uniqueKeysWithValues: names.enumerated().map { i, n -> (String, [JSON]) in
            ("default/\(n)", [[
                "ports": [["name": "http", "port": 8080, "protocol": "TCP"]],
                "endpoints": [
                    ["addresses": [.string("10.0.0.\(i + 1)")], "conditions": ["ready": true]],
                    ["addresses": ["10.0.9.9"], "conditions": ["ready": false]],
                ],
            ]])
        })
        return RoutingTableBuilder(services: { services[$0] }, endpointSlices: { slices[$0] ?? [] })
    }

    func service(_ d: RouteDecision) -> String? {
        if case .backend(let b) = d { return b.service }
        return nil
    }

    @Test func prefixMatchesWholeSegmentsAndExactWinsAtEqualLength() {
        #expect(IngressPathMatch.prefix("/foo").matches("/foo/bar"))
        #expect(IngressPathMatch.prefix("/foo/").matches("/foo"))
        #expect(!IngressPathMatch.prefix("/foo").matches("/foobar"))
        #expect(IngressPathMatch.prefix("/").matches("/anything"))
        #expect(!IngressPathMatch.exact("/foo").matches("/foo/"))
        let table = builder(["a", "b", "c"]).build(ingresses: [ingress("i", rules: [rule(host: nil, [
            ("/", "Prefix", "a"), ("/api", "Prefix", "b"), ("/api", "Exact", "c"),
        ])])]).table
        #expect(service(table.route(host: "x", path: "/api")) == "default/c")
        #expect(service(table.route(host: "x", path: "/api/v1")) == "default/b")
        #expect(service(table.route(host: "x", path: "/apix")) == "default/a")
    }

    @Test func hostsRouteToTheirOwnRulesAndWildcardsCoverOneLabel() {
        let table = builder(["a", "b", "w", "any"]).build(ingresses: [ingress("i", rules: [
            rule(host: "a.example.com", [("/", "Prefix", "a")]),
            rule(host: "b.example.com", [("/only", "Exact", "b")]),
            rule(host: "*.example.com", [("/", "ImplementationSpecific", "w")]),
            rule(host: nil, [("/", "Prefix", "any")]),
        ])]).table
        #expect(service(table.route(host: "a.example.com", path: "/x")) == "default/a")
        #expect(service(table.route(host: IngressHostMatch.requestHost("A.Example.com:8080"), path: "/")) == "default/a")
        #expect(service(table.route(host: "c.example.com", path: "/x")) == "default/w")
        #expect(service(table.route(host: "d.c.example.com", path: "/x")) == "default/any")
        // A host with rules does not fall through to the host-less ones: no default backend, so 404.
        #expect(table.route(host: "b.example.com", path: "/other") == .notFound)
        #expect(service(table.route(host: "b.example.com", path: "/only")) == "default/b")
    }

    @Test func defaultBackendAnswersWhatNoRuleMatches() {
        let table = builder(["a", "fallback"]).build(ingresses: [ingress("i", rules: [rule(host: "a.test", [("/", "Prefix", "a")])],
            defaultBackend: ["service": ["name": "fallback", "port": ["name": "http"]]])]).table
        #expect(service(table.route(host: "other.test", path: "/")) == "default/fallback")
    }

    @Test func backendsResolveToReadyEndpointsOfTheNamedServicePort() {
        let table = builder(["a"]).build(ingresses: [ingress("i", rules: [rule(host: nil, [("/", "Prefix", "a")])])]).table
        guard case .backend(let b) = table.route(host: "h", path: "/") else { Issue.record("no route"); return }
        #expect(b.endpoints == [BackendEndpoint(ip: "10.0.0.1", port: 8080)])
        // A Service that does not exist still routes, to no endpoints (503 at the proxy).
        let missing = builder([]).build(ingresses: [ingress("i", rules: [rule(host: nil, [("/", "Prefix", "nope")])])]).table
        guard case .backend(let m) = missing.route(host: "h", path: "/") else { Issue.record("no route"); return }
        #expect(m.endpoints.isEmpty)
    }

    @Test func theOlderIngressKeepsAContestedPath() {
        let older = ingress("old", created: "2026-01-01T00:00:00Z", rules: [rule(host: "h", [("/", "Prefix", "a")])])
        let newer = ingress("new", created: "2026-02-01T00:00:00Z", rules: [rule(host: "h", [("/", "Prefix", "b")])])
        let table = builder(["a", "b"]).build(ingresses: [newer, older]).table
        #expect(service(table.route(host: "h", path: "/")) == "default/a")
    }

    @Test func classSelectionFollowsTheControllersClassesAndTheDefault() {
        let classes: [JSON] = [
            ["metadata": ["name": "skiff", "annotations": ["ingressclass.kubernetes.io/is-default-class": "true"]], "spec": ["controller": "skiff.io/ingress-controller"]],
            ["metadata": ["name": "nginx"], "spec": ["controller": "k8s.io/ingress-nginx"]],
        ]
        let selection = IngressClassSelection(ingressClasses: classes, controller: "skiff.io/ingress-controller")
        #expect(selection.selects(ingress("a", className: "skiff", rules: [])))
        #expect(!selection.selects(ingress("b", className: "nginx", rules: [])))
        #expect(selection.selects(ingress("c", className: nil, rules: [])))
        var legacy = ingress("d", className: nil, rules: [])
        legacy[path: ["metadata", "annotations"]] = ["kubernetes.io/ingress.class": "nginx"]
        #expect(!selection.selects(legacy))
        let notDefault = IngressClassSelection(ingressClasses: [classes[1]], controller: "skiff.io/ingress-controller")
        #expect(!notDefault.selects(ingress("e", className: nil, rules: [])))
    }

    @Test func tlsHostsNameTheirSecrets() {
        let result = builder(["a"]).build(ingresses: [ingress("i", rules: [], tls: [["hosts": ["a.test", "*.b.test"], "secretName": "cert"]])])
        #expect(result.tls == [TLSBinding(host: .exact("a.test"), secret: "default/cert"), TLSBinding(host: .wildcard(suffix: ".b.test"), secret: "default/cert")])
    }

    @Test func requestPathDropsTheQueryAndAnAbsoluteFormsAuthority() {
        #expect(RoutingTable.requestPath("/a/b?x=1") == "/a/b")
        #expect(RoutingTable.requestPath("http://h.test/p?q") == "/p")
        #expect(RoutingTable.requestPath("http://h.test") == "/")
    }
}
