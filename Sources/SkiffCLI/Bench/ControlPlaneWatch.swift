import APIMachinery
import Client
import Foundation
import Synchronization

/// What a flood does to the cluster's own heartbeats: every Lease's renewals (the scheduler's and
/// controller manager's leader election in kube-system, each node's in kube-node-lease) and every Node's
/// Ready condition, seen through watches — long-running requests, which no in-flight budget limits, so
/// the observer is not starved by the load it observes.
final class ControlPlaneWatch: Sendable {
    struct LeaseRecord: Sendable {
        var duration: Double
        var holder: String
        var lastRenew: Date?
        var renewals = 0
        var longestGap = 0.0
        var holderChanges = 0
    }

    struct Report: Sendable {
        var leases: [String: LeaseRecord]
        /// Nodes whose Ready condition was seen other than True, with what it said.
        var notReady: [String: String]
    }

    private let leases = Mutex<[String: LeaseRecord]>([:])
    private let notReady = Mutex<[String: String]>([:])
    let client: KubeClient

    init(client: KubeClient) {
        self.client = client
    }

    /// Watches until cancelled (re-listing after a dropped watch).
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.follow(.leases) { self.lease($0) } }
            group.addTask { await self.follow(.nodes) { self.node($0) } }
        }
    }

    /// The state up to `end`: a Lease not renewed since its last renewal counts that wait as a gap too.
    func report(at end: Date) -> Report {
        var all = leases.withLock { $0 }
        for (key, var r) in all {
            if let last = r.lastRenew { r.longestGap = max(r.longestGap, end.timeIntervalSince(last)) }
            all[key] = r
        }
        return Report(leases: all, notReady: notReady.withLock { $0 })
    }

    private func follow(_ resource: ResourcePath, _ handle: @escaping @Sendable (JSON) -> Void) async {
        while !Task.isCancelled {
            do {
                let list = try await client.list(resource)
                for item in list["items"]?.array ?? [] { handle(item) }
                let rv = list[path: ["metadata", "resourceVersion"]]?.string ?? ""
                for try await event in client.watch(resource, resourceVersion: rv) where event.type == "ADDED" || event.type == "MODIFIED" {
                    handle(event.object)
                }
            } catch {
                // Re-list after a dropped watch or a refused list; the flood may make either happen.
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func lease(_ object: JSON) {
        let key = (object[path: ["metadata", "namespace"]]?.string ?? "") + "/" + (object[path: ["metadata", "name"]]?.string ?? "")
        guard let renew = object[path: ["spec", "renewTime"]]?.string.flatMap(RFC3339.parse) else { return }
        let holder = object[path: ["spec", "holderIdentity"]]?.string ?? ""
        let duration = Double(object[path: ["spec", "leaseDurationSeconds"]]?.int ?? 0)
        leases.withLock { all in
            var r = all[key] ?? LeaseRecord(duration: duration, holder: holder)
            if let last = r.lastRenew, renew > last {
                r.longestGap = max(r.longestGap, renew.timeIntervalSince(last))
                r.renewals += 1
            }
            if holder != r.holder { r.holderChanges += 1 }
            r.holder = holder
            r.duration = duration
            r.lastRenew = max(r.lastRenew ?? renew, renew)
            all[key] = r
        }
    }

    private func node(_ object: JSON) {
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        let ready = (object[path: ["status", "conditions"]]?.array ?? []).first { $0["type"]?.string == "Ready" }
        if let ready, ready["status"]?.string != "True" {
            notReady.withLock { $0[name] = "\(ready["status"]?.string ?? "") \(ready["reason"]?.string ?? ""): \(ready["message"]?.string ?? "")" }
        }
    }
}
