import APIMachinery
import Foundation
import Synchronization
import Testing
@testable import Kubelet

/// A fake `serviceaccounts/token` endpoint: numbered tokens, the requests it saw, and a switch to fail.
final class FakeTokenEndpoint: Sendable {
    let requests = Mutex<[(namespace: String, account: String, body: JSON)]>([])
    let failing = Mutex(false)
    let clock: Mutex<Date>

    init(now: Date) { clock = Mutex(now) }

    var fetch: ServiceAccountTokenManager.Fetch {
        { namespace, account, body in
            if self.failing.withLock({ $0 }) { throw APIError.serviceUnavailable("the API server is down") }
            let n = self.requests.withLock { r -> Int in
                r.append((namespace, account, body))
                return r.count
            }
            let seconds = body[path: ["spec", "expirationSeconds"]]?.int ?? 3600
            let now = self.clock.withLock { $0 }
            var answer = body
            answer["status"] = ["token": .string("token-\(n)"), "expirationTimestamp": .string(RFC3339.time(now.addingTimeInterval(TimeInterval(seconds))))]
            return answer
        }
    }

    func advance(_ seconds: TimeInterval) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var now: Date { clock.withLock { $0 } }
    var count: Int { requests.withLock { $0.count } }
}

@Suite("Projected service account tokens")
struct ServiceAccountTokenVolumeTests {
    let pod: JSON = [
        "metadata": ["uid": "u1", "namespace": "team", "name": "web"],
        "spec": [
            "serviceAccountName": "builder",
            "volumes": [["name": "kube-api-access-abcde", "projected": [
                "defaultMode": 420,
                "sources": [
                    ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
                ],
            ]]],
        ],
    ]

    func manager(_ endpoint: FakeTokenEndpoint) -> ServiceAccountTokenManager {
        ServiceAccountTokenManager(fetch: endpoint.fetch, now: { endpoint.now }, jitter: { 0 })
    }

    @Test func theProjectionHoldsTheBoundTokenTheCAAndTheNamespace() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-satoken-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let endpoint = FakeTokenEndpoint(now: Date())
        let volumes = VolumeManager(kubeletRoot: root, tokens: manager(endpoint)) { kind, namespace, name in
            kind == .configMap && namespace == "team" && name == "kube-root-ca.crt" ? ["ca.crt": "PEM"] : nil
        }
        let paths = try await volumes.setUp(pod: pod)
        let dir = URL(fileURLWithPath: try #require(paths["kube-api-access-abcde"]))
        #expect(try String(contentsOf: dir.appendingPathComponent("token"), encoding: .utf8) == "token-1")
        #expect(try String(contentsOf: dir.appendingPathComponent("ca.crt"), encoding: .utf8) == "PEM")
        #expect(try String(contentsOf: dir.appendingPathComponent("namespace"), encoding: .utf8) == "team")
        let mode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("token").resolvingSymlinksInPath().path)[.posixPermissions] as? Int
        #expect(mode == 0o644)

        // The request: the pod's account in its namespace, bound to the pod, the API server's own audience.
        let sent = try #require(endpoint.requests.withLock { $0.first })
        #expect(sent.namespace == "team" && sent.account == "builder")
        #expect(sent.body["spec"] == [
            "audiences": [], "expirationSeconds": 3607,
            "boundObjectRef": ["apiVersion": "v1", "kind": "Pod", "name": "web", "uid": "u1"],
        ])

        // Later syncs reuse the token until 80% of its lifetime has passed.
        endpoint.advance(2800)
        _ = try await volumes.setUp(pod: pod)
        #expect(endpoint.count == 1)
        #expect(volumes.tokens?.nextRefresh(podUID: "u1").map { abs($0.timeIntervalSince(endpoint.now) - (3607 - 722 - 2800)) < 2 } == true)
        endpoint.advance(100)
        _ = try await volumes.setUp(pod: pod)
        #expect(endpoint.count == 2)
        #expect(try String(contentsOf: dir.appendingPathComponent("token"), encoding: .utf8) == "token-2")

        volumes.tearDown(uid: "u1")
        #expect(volumes.tokens?.nextRefresh(podUID: "u1") == nil)
    }

    @Test func aFailedRefreshKeepsTheTokenUntilItExpiresAndAFirstFailureIsAnError() async throws {
        let endpoint = FakeTokenEndpoint(now: Date())
        let tokens = manager(endpoint)
        #expect(try await tokens.token(pod: pod, audience: "vault", expirationSeconds: 600) == "token-1")
        #expect(endpoint.requests.withLock { $0[0].body[path: ["spec", "audiences"]] } == ["vault"])
        endpoint.failing.withLock { $0 = true }
        endpoint.advance(590)
        #expect(try await tokens.token(pod: pod, audience: "vault", expirationSeconds: 600) == "token-1")
        endpoint.advance(20)
        await #expect(throws: APIError.self) { try await tokens.token(pod: pod, audience: "vault", expirationSeconds: 600) }
        // A different audience is a different token.
        endpoint.failing.withLock { $0 = false }
        #expect(try await tokens.token(pod: pod, audience: "other", expirationSeconds: 600) == "token-2")
    }

    @Test func tokensAreRefreshedAtLeastDaily() async throws {
        let endpoint = FakeTokenEndpoint(now: Date())
        let tokens = manager(endpoint)
        _ = try await tokens.token(pod: pod, audience: "", expirationSeconds: 7 * 24 * 3600)
        endpoint.advance(23 * 3600)
        _ = try await tokens.token(pod: pod, audience: "", expirationSeconds: 7 * 24 * 3600)
        #expect(endpoint.count == 1)
        endpoint.advance(3600 + 1)
        #expect(try await tokens.token(pod: pod, audience: "", expirationSeconds: 7 * 24 * 3600) == "token-2")
    }

    @Test func withoutATokenSourceTheVolumeFailsToMount() async {
        let volumes = VolumeManager(kubeletRoot: URL(fileURLWithPath: "/tmp/skiff-satoken-none")) { _, _, _ in ["ca.crt": "x"] }
        let error = await #expect(throws: VolumeSetUpError.self) { _ = try await volumes.setUp(pod: pod) }
        #expect(error?.volume == "kube-api-access-abcde")
        try? FileManager.default.removeItem(atPath: "/tmp/skiff-satoken-none")
    }
}
