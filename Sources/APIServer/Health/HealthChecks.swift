import Foundation

/// `/healthz`, `/livez` and `/readyz` as kube-apiserver answers them (k8s.io/apiserver/pkg/server/healthz):
/// "ok" by default; with `?verbose` one line per check (`[+]etcd ok`) and a last line "readyz check passed";
/// `/readyz/etcd` runs one check; `?exclude=etcd` skips one (`[+]etcd excluded: ok`). A failing check answers
/// 500 with `[-]etcd failed: reason withheld` and "readyz check failed", as upstream withholds the reason
/// from the response (it goes to the log).
struct HealthChecks: Sendable {
    struct Check: Sendable {
        var name: String
        var run: @Sendable () async -> Bool
    }

    /// The checks of each endpoint, in upstream's order.
    let checks: [String: [Check]]

    /// - Parameter storeReachable: the store answers (upstream's `etcd` check).
    init(storeReachable: @escaping @Sendable () async -> Bool) {
        let always: @Sendable () async -> Bool = { true }
        let common = [Check(name: "ping", run: always), Check(name: "log", run: always), Check(name: "etcd", run: storeReachable)]
        // Post-start hooks Skiff runs too: admission is built in, informers are the watch caches, the
        // bootstrap controller makes the default namespaces and the kubernetes Service, the priority classes
        // are created at start-up.
        let hooks = ["start-apiserver-admission-initializer", "generic-apiserver-start-informers",
                     "bootstrap-controller", "scheduling/bootstrap-system-priority-classes",
                     "start-service-ip-repair-controllers"].map { Check(name: "poststarthook/\($0)", run: always) }
        checks = [
            "healthz": common + hooks,
            "livez": common + hooks,
            "readyz": common + [Check(name: "etcd-readiness", run: storeReachable), Check(name: "informer-sync", run: always)]
                + hooks + [Check(name: "shutdown", run: always)],
        ]
    }

    /// Answers `path` (`/readyz`, `/readyz/etcd`, `/livez/ping`, ...), or nil when it is not a health path.
    func answer(path: String, query: QueryParameters) async -> APIResponse? {
        let parts = path.dropFirst().split(separator: "/", maxSplits: 1).map(String.init)
        guard let endpoint = parts.first, let all = checks[endpoint] else { return nil }
        if parts.count == 2 {
            guard let check = all.first(where: { $0.name == parts[1] }) else { return nil }
            return await check.run() ? Self.text(200, "ok") : Self.text(500, "internal server error: \(check.name) failed")
        }
        let excluded = Set(query.all("exclude"))
        var lines: [String] = []
        var failed = false
        for check in all {
            if excluded.contains(check.name) {
                lines.append("[+]\(check.name) excluded: ok")
            } else if await check.run() {
                lines.append("[+]\(check.name) ok")
            } else {
                lines.append("[-]\(check.name) failed: reason withheld")
                failed = true
            }
        }
        let verbose = query["verbose"] != nil
        if failed {
            return Self.text(500, (lines + ["\(endpoint) check failed"]).joined(separator: "\n") + "\n")
        }
        return Self.text(200, verbose ? (lines + ["\(endpoint) check passed"]).joined(separator: "\n") + "\n" : "ok")
    }

    /// upstream's `--etcd-healthcheck-timeout` and `--etcd-readycheck-timeout` default.
    static let storeCheckTimeout = Duration.seconds(2)

    /// Whether `probe` succeeds within `timeout`; a probe still running then is cancelled. A store that hangs
    /// (an etcd member stopped but still holding its connection) fails the check in time, as upstream's etcd
    /// check does after 2 s, rather than hanging `/readyz` and whatever balancer polls it.
    static func answers(within timeout: Duration, _ probe: @escaping @Sendable () async throws -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await probe()) != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    static func text(_ status: Int, _ body: String) -> APIResponse {
        APIResponse(status: status, contentType: "text/plain; charset=utf-8", body: .data(Data(body.utf8)))
    }
}
