import APIMachinery
import ArgumentParser
import Client
import Foundation
import Synchronization

/// `skiff bench overload`: floods a running cluster with clients that loop on list + create as a namespace's
/// service account (no exempt identity), and reports what they got — served, 429 (then retried after
/// `Retry-After`), other errors — beside what the cluster's own heartbeats did meanwhile: every Lease's
/// longest wait between renewals and every Node's readiness. Bounded by `--clients` and `--seconds`;
/// everything it creates is in one namespace, deleted at the end.
struct OverloadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overload", abstract: "Flood a running cluster and watch its control plane's heartbeats.")

    @Option(help: "Kubeconfig of the cluster (default: $KUBECONFIG, else ~/.kube/config).") var kubeconfig: String?
    @Option(help: "Context in the kubeconfig.") var context: String?
    @Option(help: "Concurrent clients.") var clients = 200
    @Option(help: "Seconds of flood.") var seconds = 60
    @Option(help: "Namespace the clients work in (created, then deleted).") var namespace = "overload-bench"
    @Flag(help: "Print the summary as one JSON object.") var json = false

    /// Counts of what the flood's requests got.
    final class Tally: Sendable {
        let codes = Mutex<[Int: Int]>([:])
        let served = LatencyRecorder()

        func count(_ code: Int) { codes.withLock { $0[code, default: 0] += 1 } }
    }

    func run() async throws {
        let path = kubeconfig ?? ProcessInfo.processInfo.environment["KUBECONFIG"]?.split(separator: ":").first.map(String.init)
            ?? NSHomeDirectory() + "/.kube/config"
        var adminConfig = try KubeconfigLoader.load(path: path, context: context, userAgent: "skiff-bench-overload")
        adminConfig.maxConnections = 8
        let admin = KubeClient(adminConfig)
        defer { Task { [admin] in await admin.shutdown() } }

        let token = try await floodIdentity(admin)
        var floodConfig = ClientConfig(server: adminConfig.server, bearerToken: token, userAgent: "skiff-bench-overload")
        floodConfig.caPEM = adminConfig.caPEM
        floodConfig.maxConnections = clients
        floodConfig.timeout = .seconds(60)
        let flood = KubeClient(floodConfig)

        let watch = ControlPlaneWatch(client: admin)
        let watching = Task { await watch.run() }
        let tally = Tally()
        let start = Date()
        let deadline = ContinuousClock.now + .seconds(seconds)
        let configmaps = ResourcePath.configmaps.inNamespace(namespace)
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var i = 0
                    while ContinuousClock.now < deadline {
                        // The list's body is not parsed: the load generator shares the machine's cores with the server.
                        await Self.attempt(tally) {
                            let (status, body) = try await flood.raw(.GET, configmaps.collection, query: ["limit": "500"])
                            if status != 200 { throw KubeClient.apiError(status: status, data: body) }
                        }
                        await Self.attempt(tally) {
                            _ = try await flood.create(configmaps, ["apiVersion": "v1", "kind": "ConfigMap",
                                                                    "metadata": ["name": .string("c-\(client)-\(i)")], "data": ["k": "v"]])
                        }
                        i += 1
                    }
                }
            }
        }
        let end = Date()
        watching.cancel()
        await flood.shutdown()
        let report = watch.report(at: end)
        print(summary(report, tally: tally, elapsed: end.timeIntervalSince(start)))
        await deleteNamespace(admin)
    }

    /// One request; a 429 waits out its `Retry-After` before the client goes on, as client-go does.
    static func attempt(_ tally: Tally, _ body: () async throws -> Void) async {
        let s = ContinuousClock.now
        do {
            try await body()
            tally.served.record((ContinuousClock.now - s).seconds)
            tally.count(200)
        } catch let e as APIError {
            tally.count(e.code)
            if e.code == 429 {
                try? await Task.sleep(for: .seconds(Int(e.details?["retryAfterSeconds"]?.int ?? 1)))
            }
        } catch {
            tally.count(0)
        }
    }

    /// A service account bound to `edit` in the bench's namespace, and a token for it: an identity in no
    /// exempt lane, as a user's workload would be.
    func floodIdentity(_ admin: KubeClient) async throws -> String {
        try await ignoringConflict { try await admin.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]) }
        try await ignoringConflict {
            try await admin.create(ResourcePath.serviceaccounts.inNamespace(namespace), ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "flood"]])
        }
        try await ignoringConflict {
            try await admin.create(ResourcePath(group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: namespace), [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "flood-edit"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"],
                "subjects": [["kind": "ServiceAccount", "name": "flood", "namespace": .string(namespace)]],
            ])
        }
        let request: JSON = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 3600]]
        let answer = try await admin.send(.POST, ResourcePath.serviceaccounts.inNamespace(namespace).item("flood", subresource: "token"), body: request)
        guard let token = answer[path: ["status", "token"]]?.string else { throw ValidationError("no token issued for \(namespace)/flood") }
        return token
    }

    func ignoringConflict(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let e as APIError where e.code == 409 {}
    }

    func deleteNamespace(_ admin: KubeClient) async {
        for _ in 0..<30 {
            do {
                _ = try await admin.delete(.namespaces, namespace)
                return
            } catch let e as APIError where e.code == 429 {
                try? await Task.sleep(for: .seconds(1))
            } catch {
                return
            }
        }
    }

    func summary(_ report: ControlPlaneWatch.Report, tally: Tally, elapsed: Double) -> String {
        let codes = tally.codes.withLock { $0 }
        let leases = report.leases.sorted { $0.key < $1.key }
        if json {
            var leaseJSON: [String: JSON] = [:]
            for (key, r) in leases {
                leaseJSON[key] = ["durationSeconds": .double(r.duration), "renewals": .int(Int64(r.renewals)),
                                  "longestGapSeconds": .double(r.longestGap), "holderChanges": .int(Int64(r.holderChanges))]
            }
            let out: JSON = [
                "clients": .int(Int64(clients)), "seconds": .double(elapsed),
                "codes": .object(Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), JSON.int(Int64($0.value))) })),
                "servedP50Ms": .double(tally.served.count > 0 ? tally.served.percentile(50) : 0),
                "servedP99Ms": .double(tally.served.count > 0 ? tally.served.percentile(99) : 0),
                "leases": .object(leaseJSON),
                "notReady": .object(report.notReady.mapValues { JSON.string($0) }),
            ]
            return String(decoding: out.serialized(), as: UTF8.self)
        }
        var lines = [String(format: "%d clients for %.0f s: %d served (%@), %d refused with 429, %d other errors",
                            clients, elapsed, codes[200] ?? 0, tally.served.summary(), codes[429] ?? 0,
                            codes.filter { $0.key != 200 && $0.key != 429 }.values.reduce(0, +))]
        for (key, r) in leases {
            lines.append(String(format: "lease %@: %d renewals, longest gap %.1f s of %.0f s, holder changes %d",
                                key, r.renewals, r.longestGap, r.duration, r.holderChanges))
        }
        lines.append(report.notReady.isEmpty ? "every node stayed Ready" : "nodes not Ready: \(report.notReady)")
        return lines.joined(separator: "\n")
    }
}
