import APIMachinery
import Foundation
import PKI
import Testing

@testable import APIServer

/// A server that issues service-account tokens with a fresh cluster PKI's `sa.key`, as `skiff create cluster`
/// configures it; the directory goes when the value does.
final class TokenIssuingServer: Sendable {
    static let issuer = "https://kubernetes.default.svc.cluster.local"
    let server: TestServer
    let directory: URL
    let config: APIServerConfig

    init(extendExpiration: Bool = true) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-sa-\(UUID().uuidString)")
        let pki = try ClusterPKI.create(at: directory, clusterName: "t")
        var config = APIServerConfig()
        config.serviceAccountKeyFiles = [pki.serviceAccountPublicKeyFile.path]
        config.serviceAccountSigningKeyFile = pki.serviceAccountPrivateKeyFile.path
        config.serviceAccountIssuers = [Self.issuer]
        config.serviceAccountExtendTokenExpiration = extendExpiration
        self.config = config
        server = try await TestServer(config: config)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func authenticator() throws -> Authenticator {
        let api = server.handler
        return try Authenticator(config: config, lookup: { resource, namespace, name in
            await api.storedObject("", resource, namespace: namespace, name: name)
        })
    }

    func verifier() throws -> ServiceAccountTokenVerifier {
        try #require(try ServiceAccountTokenVerifier(
            keyFiles: config.serviceAccountKeyFiles.map { URL(fileURLWithPath: $0) }, signingKeyFile: nil,
            issuers: [Self.issuer], audiences: [Self.issuer]))
    }

    @discardableResult
    func serviceAccount(_ name: String, namespace: String = "default", automount: Bool? = nil) async throws -> JSON {
        var sa: JSON = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": .string(name)]]
        if let automount { sa["automountServiceAccountToken"] = .bool(automount) }
        let r = await server.send("POST", "/api/v1/namespaces/\(namespace)/serviceaccounts", body: sa)
        #expect(r.status == 201)
        return r.json ?? [:]
    }

    func requestToken(_ account: String, _ spec: JSON = [:], namespace: String = "default") async -> APIResponse {
        await server.send("POST", "/api/v1/namespaces/\(namespace)/serviceaccounts/\(account)/token",
                          body: ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec])
    }
}

func bearer(_ token: String) -> String { "Bearer \(token)" }

@Suite(.timeLimit(.minutes(1)))
struct ServiceAccountTokenTests {
    @Test func discoveryListsTheTokenSubresource() async throws {
        let s = try await TestServer()
        let list = await s.send("GET", "/api/v1")
        let entry = list.json?["resources"]?.array?.first { $0["name"] == "serviceaccounts/token" }
        #expect(entry?["kind"] == "TokenRequest" && entry?["group"] == "authentication.k8s.io" && entry?["version"] == "v1")
        #expect(entry?["verbs"] == ["create"])
        let aggregated = await s.send("GET", "/api", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let sa = aggregated.json?["items"]?[0]?["versions"]?[0]?["resources"]?.array?.first { $0["resource"] == "serviceaccounts" }
        #expect(sa?["subresources"]?[0]?["subresource"] == "token")
        #expect(sa?["subresources"]?[0]?["responseKind"] == ["group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest"])
    }

    @Test func tokenRequestIssuesASignedBoundToken() async throws {
        let t = try await TokenIssuingServer()
        let sa = try await t.serviceAccount("default")
        let pod = await t.server.send("POST", "/api/v1/namespaces/default/pods", body: pod("web", node: "n1"))
        #expect(pod.status == 201)
        let podUID = pod.json?[path: ["metadata", "uid"]]?.string ?? ""
        let r = await t.requestToken("default", ["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": .string(podUID)]])
        #expect(r.status == 201)
        let tr = try #require(r.json)
        #expect(tr["kind"] == "TokenRequest" && tr["apiVersion"] == "authentication.k8s.io/v1")
        #expect(tr["metadata"]?["name"] == "default" && tr["metadata"]?["namespace"] == "default")
        #expect(tr["spec"]?["audiences"] == [.string(TokenIssuingServer.issuer)])
        #expect(tr["spec"]?["expirationSeconds"] == 3600)
        let expires = try #require(tr[path: ["status", "expirationTimestamp"]]?.string.flatMap(RFC3339.parse))
        #expect(abs(expires.timeIntervalSinceNow - 3600) < 5)

        let claims = try #require(try t.verifier().verify(tr[path: ["status", "token"]]?.string ?? ""))
        #expect(claims.subject == "system:serviceaccount:default:default")
        #expect(claims.serviceAccount.uid == sa[path: ["metadata", "uid"]]?.string)
        #expect(claims.pod == .init(name: "web", uid: podUID))
        #expect(claims.expiry - claims.issuedAt == 3600 && claims.warnAfter == nil)
        // No node object named n1 exists: the claim is left out rather than invented.
        #expect(claims.node == nil)
    }

    @Test func theKubeletsTokensAreExtendedToAYearWithAWarning() async throws {
        let t = try await TokenIssuingServer()
        try await t.serviceAccount("default")
        let podUID = await t.server.send("POST", "/api/v1/namespaces/default/pods", body: pod("web")).json?[path: ["metadata", "uid"]]?.string ?? ""
        let bound: JSON = ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": .string(podUID)]
        let r = await t.requestToken("default", ["expirationSeconds": 3607, "boundObjectRef": bound])
        let claims = try #require(try t.verifier().verify(r.json?[path: ["status", "token"]]?.string ?? ""))
        #expect(claims.expiry - claims.issuedAt == 365 * 24 * 3600)
        #expect(claims.warnAfter == claims.issuedAt + 3607)
        // The status still says what was asked for, so the kubelet refreshes on time.
        let expires = try #require(r.json?[path: ["status", "expirationTimestamp"]]?.string.flatMap(RFC3339.parse))
        #expect(abs(expires.timeIntervalSinceNow - 3607) < 5)
        // Not for other audiences, and not without a pod.
        let other = await t.requestToken("default", ["expirationSeconds": 3607, "audiences": ["vault"], "boundObjectRef": bound])
        let otherClaims = try ServiceAccountTokenVerifier(keys: t.verifier().keys, issuers: [TokenIssuingServer.issuer], audiences: ["vault"])
            .verify(other.json?[path: ["status", "token"]]?.string ?? "")
        #expect(otherClaims.map { $0.expiry - $0.issuedAt } == 3607)
    }

    @Test func tokenRequestsAreValidatedAsUpstreams() async throws {
        let t = try await TokenIssuingServer()
        try await t.serviceAccount("default")
        try await t.serviceAccount("builder")
        let podUID = await t.server.send("POST", "/api/v1/namespaces/default/pods", body: pod("web")).json?[path: ["metadata", "uid"]]?.string ?? ""

        let short = await t.requestToken("default", ["expirationSeconds": 599])
        #expect(short.status == 422)
        #expect(short.json?["message"] == "TokenRequest.authentication.k8s.io \"default\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes")
        #expect(await t.requestToken("missing").status == 404)
        let wrongUID = await t.requestToken("default", ["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": "nope"]])
        #expect(wrongUID.status == 409)
        let otherAccount = await t.requestToken("builder", ["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": .string(podUID)]])
        #expect(otherAccount.status == 400)
        #expect(otherAccount.json?["message"] == "cannot bind token for serviceaccount \"builder\" to pod running with serviceaccount \"default\"")
        let gonePod = await t.requestToken("default", ["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "gone"]])
        #expect(gonePod.status == 404)
        let deployment = await t.requestToken("default", ["boundObjectRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "d"]])
        #expect(deployment.status == 400)
        let mismatch = await t.server.send("POST", "/api/v1/namespaces/default/serviceaccounts/default/token",
                                           body: ["metadata": ["name": "builder"], "spec": [:]])
        #expect(mismatch.status == 422)

        // A server without a signing key issues nothing.
        let plain = try await TestServer()
        let none = await plain.send("POST", "/api/v1/namespaces/default/serviceaccounts/default/token", body: ["spec": [:]])
        #expect(none.status == 404)
    }

    @Test func admissionMountsTheTokenVolumeUnlessThePodOrAccountOptsOut() async throws {
        let t = try await TokenIssuingServer()
        try await t.serviceAccount("default")
        try await t.serviceAccount("quiet", automount: false)
        let created = try #require(await t.server.send("POST", "/api/v1/namespaces/default/pods", body: pod("web")).json)
        #expect(created[path: ["spec", "serviceAccountName"]] == "default" && created[path: ["spec", "serviceAccount"]] == "default")
        let volume = try #require(created[path: ["spec", "volumes"]]?[0])
        let name = try #require(volume["name"]?.string)
        #expect(name.hasPrefix("kube-api-access-") && name.count == "kube-api-access-".count + 5)
        #expect(volume["projected"]?["sources"]?[0]?["serviceAccountToken"] == ["expirationSeconds": 3607, "path": "token"])
        #expect(created[path: ["spec", "containers"]]?[0]?["volumeMounts"] == [
            ["name": .string(name), "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"]])

        var optOut = pod("opt-out")
        optOut[path: ["spec", "automountServiceAccountToken"]] = false
        let noVolume = try #require(await t.server.send("POST", "/api/v1/namespaces/default/pods", body: optOut).json)
        #expect(noVolume[path: ["spec", "serviceAccountName"]] == "default")
        #expect(noVolume[path: ["spec", "volumes"]] == nil && noVolume[path: ["spec", "containers"]]?[0]?["volumeMounts"] == nil)

        var quiet = pod("quiet")
        quiet[path: ["spec", "serviceAccountName"]] = "quiet"
        #expect(await t.server.send("POST", "/api/v1/namespaces/default/pods", body: quiet).json?[path: ["spec", "volumes"]] == nil)
        // The pod's yes beats the account's no.
        quiet[path: ["metadata", "name"]] = "loud"
        quiet[path: ["spec", "automountServiceAccountToken"]] = true
        #expect(await t.server.send("POST", "/api/v1/namespaces/default/pods", body: quiet).json?[path: ["spec", "volumes"]]?.array?.count == 1)

        // An account that does not exist: 403, as upstream's admission answers.
        var stranger = pod("stranger")
        stranger[path: ["spec", "serviceAccountName"]] = "nobody"
        let refused = await t.server.send("POST", "/api/v1/namespaces/default/pods", body: stranger)
        #expect(refused.status == 403)
        #expect(refused.json?["message"] == "pods \"stranger\" is forbidden: error looking up service account default/nobody: serviceaccount \"nobody\" not found")

        // A namespace that does not exist is reported as such: NamespaceLifecycle answers before the
        // account is looked up (looked up first, the missing `default` account would be retried, then a 403).
        let noNamespace = await t.server.send("POST", "/api/v1/namespaces/nowhere/pods", body: pod("web"))
        #expect(noNamespace.status == 404)
        #expect(noNamespace.json?["message"] == "namespaces \"nowhere\" not found")

        // A server that issues no tokens leaves pods as they were sent.
        let plain = try await TestServer()
        let untouched = try #require(await plain.send("POST", "/api/v1/namespaces/default/pods", body: pod("web")).json)
        #expect(untouched[path: ["spec", "serviceAccountName"]] == nil && untouched[path: ["spec", "volumes"]] == nil)
    }

    @Test func boundTokensAuthenticateUntilTheirPodIsGone() async throws {
        let t = try await TokenIssuingServer()
        try await t.serviceAccount("default")
        let podUID = await t.server.send("POST", "/api/v1/namespaces/default/pods", body: pod("web")).json?[path: ["metadata", "uid"]]?.string ?? ""
        let token = await t.requestToken("default", ["boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": .string(podUID)]])
            .json?[path: ["status", "token"]]?.string ?? ""
        let auth = try t.authenticator()
        let user = try #require(await auth.authenticate(peerChain: [], authorization: bearer(token)))
        #expect(user.name == "system:serviceaccount:default:default")
        #expect(user.groups == ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"])
        #expect(user.extra["authentication.kubernetes.io/pod-name"] == ["web"])

        // Not meant for this server: refused.
        let vault = await t.requestToken("default", ["audiences": ["vault"]]).json?[path: ["status", "token"]]?.string ?? ""
        #expect(!vault.isEmpty)
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(vault)) == nil)
        // Signed by someone else, or garbage: refused.
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(token + "x")) == nil)
        #expect(await auth.authenticate(peerChain: [], authorization: bearer("not-a-token")) == nil)

        // The pod is deleted (at once, no kubelet here): its token is dead.
        let deleted = await t.server.send("DELETE", "/api/v1/namespaces/default/pods/web", query: "gracePeriodSeconds=0")
        #expect(deleted.status == 200)
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(token)) == nil)
        // An unbound token lives as long as its account.
        let unbound = await t.requestToken("default").json?[path: ["status", "token"]]?.string ?? ""
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(unbound))?.name == "system:serviceaccount:default:default")
        #expect(await t.server.send("DELETE", "/api/v1/namespaces/default/serviceaccounts/default").status == 200)
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(unbound)) == nil)
    }

    @Test func expiredTokensAreRefused() async throws {
        let t = try await TokenIssuingServer()
        let sa = try await t.serviceAccount("default")
        let signer = try ServiceAccountTokenSigner(keyFile: URL(fileURLWithPath: try #require(t.config.serviceAccountSigningKeyFile)),
                                                   issuer: TokenIssuingServer.issuer)
        func token(issuedSecondsAgo: TimeInterval) throws -> String {
            try signer.sign(ServiceAccountClaims.make(
                issuer: "", namespace: "default",
                serviceAccount: .init(name: "default", uid: sa[path: ["metadata", "uid"]]?.string ?? ""),
                audiences: [TokenIssuingServer.issuer], expirationSeconds: 600, now: Date().addingTimeInterval(-issuedSecondsAgo)))
        }
        let auth = try t.authenticator()
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(try token(issuedSecondsAgo: 10))) != nil)
        #expect(await auth.authenticate(peerChain: [], authorization: bearer(try token(issuedSecondsAgo: 700))) == nil)
    }

    @Test func selfSubjectReviewAnswersWhoTheCallerIs() async throws {
        let s = try await TestServer()
        var request = APIRequest(method: "POST", path: "/apis/authentication.k8s.io/v1/selfsubjectreviews", query: nil,
                                 headers: ["Content-Type": "application/json"], body: Data("{}".utf8), user: "alice")
        request.userInfo = AuthenticatedUser(name: "alice", uid: "1", groups: ["dev", "system:authenticated"],
                                             extra: ["authentication.kubernetes.io/pod-name": ["web"]])
        let r = await s.handler.handle(request)
        #expect(r.status == 201 && r.json?["kind"] == "SelfSubjectReview")
        #expect(r.json?[path: ["status", "userInfo"]] == [
            "username": "alice", "uid": "1", "groups": ["dev", "system:authenticated"],
            "extra": ["authentication.kubernetes.io/pod-name": ["web"]],
        ])
        #expect(await s.send("GET", "/apis/authentication.k8s.io/v1/selfsubjectreviews").status == 405)
    }
}
