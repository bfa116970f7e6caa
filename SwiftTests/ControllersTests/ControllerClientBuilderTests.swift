import APIMachinery
import APIServer
@testable import Client
import Foundation
import Logging
import PKI
import Testing
import TestSupport

@testable import Controllers

/// An API server that issues service-account tokens (a fresh cluster PKI's `sa.key`), the manager's root
/// client for it, and a builder whose token sources read `clock`.
final class TokenIssuingCluster: Sendable {
    let server: TestAPIServer
    let root: KubeClient
    let clock = ManualClock()
    let builder: ServiceAccountControllerClientBuilder
    let directory: URL

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-cb-\(UUID().uuidString)")
        let pki = try ClusterPKI.create(at: directory, clusterName: "t")
        var config = APIServerConfig()
        config.serviceAccountKeyFiles = [pki.serviceAccountPublicKeyFile.path]
        config.serviceAccountSigningKeyFile = pki.serviceAccountPrivateKeyFile.path
        config.serviceAccountIssuers = ["https://kubernetes.default.svc.cluster.local"]
        server = try await TestAPIServer.start(config: config)
        root = server.client(userAgent: "kube-controller-manager/test")
        var logger = Logger(label: "client-builder-test")
        logger.logLevel = .critical
        builder = ServiceAccountControllerClientBuilder(root: root, clock: clock, logger: logger)
    }

    func stop() async {
        await builder.shutdown()
        await root.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func source(_ client: KubeClient) throws -> ServiceAccountTokenSource {
        try #require(client.config.tokenSource as? ServiceAccountTokenSource)
    }

    /// The claims of a JWT (its middle part, base64url).
    static func claims(_ token: String) throws -> JSON {
        let parts = token.split(separator: ".")
        try #require(parts.count == 3)
        var b64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return try JSON.parse(try #require(Data(base64Encoded: b64)))
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ControllerClientBuilderTests {
    @Test func aControllerClientSendsItsServiceAccountsTokenAndNoCertificate() async throws {
        let t = try await TokenIssuingCluster()
        do {
            let client = t.builder.client("replicaset-controller")
            #expect(t.builder.client("replicaset-controller") === client)
            #expect(client.config.clientCertificatePEM == nil && client.config.clientKeyPEM == nil && client.config.bearerToken == nil)
            #expect(client.config.userAgent == "kube-controller-manager/test/replicaset-controller")

            let request = try await client.makeRequest(.GET, "/api", query: [:], body: nil, contentType: "")
            let header = try #require(request.headers.first(name: "Authorization"))
            #expect(header.hasPrefix("Bearer "))
            let claims = try TokenIssuingCluster.claims(String(header.dropFirst("Bearer ".count)))
            #expect(claims["sub"] == "system:serviceaccount:kube-system:replicaset-controller")
            // Upstream's dynamic builder asks for an hour.
            #expect((claims["exp"]?.int ?? 0) - (claims["iat"]?.int ?? 0) == 3600)

            let account = try await t.root.get(.serviceaccounts.inNamespace("kube-system"), "replicaset-controller")
            #expect(account[path: ["metadata", "name"]] == "replicaset-controller")
            // A request through the client works (the plain-HTTP test server does not authenticate).
            _ = try await client.list(.pods.inNamespace("default"))
        } catch {
            await t.stop()
            throw error
        }
        await t.stop()
    }

    @Test func theControllersClientsShareOneConnectionPoolThatOutlivesEachOfThem() async throws {
        let t = try await TokenIssuingCluster()
        do {
            let a = t.builder.client("replicaset-controller"), b = t.builder.client("job-controller")
            #expect(a.http === b.http && a.http !== t.root.http)
            #expect(a.config.userAgent != b.config.userAgent)
            _ = try await a.list(.pods.inNamespace("default"))
            // One controller's client shut down leaves the shared connections to the others.
            await a.shutdown()
            _ = try await b.list(.pods.inNamespace("default"))
            let bToken = try await t.source(b).token()
            #expect(try TokenIssuingCluster.claims(bToken)["sub"] == "system:serviceaccount:kube-system:job-controller")
        } catch {
            await t.stop()
            throw error
        }
        await t.stop()
    }

    @Test func theTokenIsRenewedWithAFifthOfItsLifetimeLeftAndTheAccountMadeOnce() async throws {
        let t = try await TokenIssuingCluster()
        do {
            let source = try t.source(t.builder.client("job-controller"))
            let first = try await source.token()
            let account = try await t.root.get(.serviceaccounts.inNamespace("kube-system"), "job-controller")
            #expect(try await source.token() == first)

            t.clock.advance(by: .seconds(2879))
            #expect(try await source.token() == first, "renewed before 80% of the hour")
            t.clock.advance(by: .seconds(1))
            let second = try await source.token()
            #expect(second != first)
            #expect(try TokenIssuingCluster.claims(second)["sub"] == "system:serviceaccount:kube-system:job-controller")
            #expect(try await source.token() == second)

            let after = try await t.root.get(.serviceaccounts.inNamespace("kube-system"), "job-controller")
            #expect(after[path: ["metadata", "uid"]] == account[path: ["metadata", "uid"]])
            #expect(after[path: ["metadata", "resourceVersion"]] == account[path: ["metadata", "resourceVersion"]])
        } catch {
            await t.stop()
            throw error
        }
        await t.stop()
    }

    @Test func anExistingAccountIsUsedAsIs() async throws {
        let t = try await TokenIssuingCluster()
        do {
            let made = try await t.root.create(.serviceaccounts.inNamespace("kube-system"), [
                "apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "cronjob-controller", "labels": ["mine": "yes"]],
            ])
            let token = try await t.source(t.builder.client("cronjob-controller")).token()
            #expect(try TokenIssuingCluster.claims(token)["sub"] == "system:serviceaccount:kube-system:cronjob-controller")
            let after = try await t.root.get(.serviceaccounts.inNamespace("kube-system"), "cronjob-controller")
            #expect(after[path: ["metadata", "uid"]] == made[path: ["metadata", "uid"]])
            #expect(after[path: ["metadata", "labels", "mine"]] == "yes")
        } catch {
            await t.stop()
            throw error
        }
        await t.stop()
    }

    @Test func aFailedTokenRequestIsRetriedAfterABackoff() async throws {
        let t = try await TokenIssuingCluster()
        do {
            let source = try t.source(t.builder.client("deployment-controller"))
            let first = try await source.token()
            let accounts = ResourcePath.serviceaccounts.inNamespace("kube-system")
            let old = try await t.root.get(accounts, "deployment-controller")
            // The account goes; a 401 makes the client forget its token.
            try await t.root.delete(accounts, "deployment-controller")
            source.invalidate()
            #expect(source.refreshAt == nil)

            let next = Task { try await source.token() }
            // The TokenRequest answers 404; the source waits 500 ms before trying again.
            await t.clock.waitForSleepers { $0 == [.milliseconds(500)] }
            t.clock.advance(by: .milliseconds(500))
            let second = try await next.value
            #expect(second != first)
            #expect(try TokenIssuingCluster.claims(second)["sub"] == "system:serviceaccount:kube-system:deployment-controller")
            let remade = try await t.root.get(accounts, "deployment-controller")
            #expect(remade[path: ["metadata", "uid"]] != old[path: ["metadata", "uid"]])
        } catch {
            await t.stop()
            throw error
        }
        await t.stop()
    }

    @Test func everyAttemptFailingFailsTheRequestAndTheNextStartsOver() async throws {
        let t = try await TokenIssuingCluster()
        // No such namespace: the account cannot be made, so no token comes.
        var logger = Logger(label: "client-builder-test")
        logger.logLevel = .critical
        let builder = ServiceAccountControllerClientBuilder(root: t.root, namespace: "missing", clock: t.clock, logger: logger)
        do {
            let source = try t.source(builder.client("job-controller"))
            let attempt = Task { try await source.token() }
            for wait in ServiceAccountTokenSource.retryDelays {
                await t.clock.waitForSleepers { $0 == [wait] }
                t.clock.advance(by: wait)
            }
            await #expect(throws: APIError.self) { try await attempt.value }

            try await t.root.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "missing"]])
            let token = try await source.token()
            #expect(try TokenIssuingCluster.claims(token)["sub"] == "system:serviceaccount:missing:job-controller")
        } catch {
            await builder.shutdown()
            await t.stop()
            throw error
        }
        await builder.shutdown()
        await t.stop()
    }
}
