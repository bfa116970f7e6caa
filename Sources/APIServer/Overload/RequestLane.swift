import PKI

/// Which in-flight budget a request draws on: upstream's max-in-flight filter (`--max-requests-inflight`,
/// `--max-mutating-requests-inflight`), with the exempt lane its priority-and-fairness configuration gives
/// the control plane's own traffic.
///
/// The lane is decided by who asks and what the request is, never by how busy the server is, so a flood of
/// clients cannot push a Lease renewal or a node heartbeat into the budget it exhausts.
enum RequestLane: String, Sendable, Equatable {
    /// Never limited: `system:masters` (as upstream's filter exempts it), the health endpoints, and the
    /// cluster's own components — kubelets (`system:nodes`), the scheduler, the controller manager, kube-proxy
    /// and kube-system's service accounts — whose leader election and heartbeats upstream's suggested
    /// FlowSchemas put in the exempt, leader-election, node-high and system priority levels.
    case exempt
    /// Watches, exec, attach, port-forward, proxy and logs: they last as long as the client wants, so
    /// upstream counts them in neither budget (`BasicLongRunningRequestCheck`).
    case longRunning
    /// get, list (and anything not a write) from everyone else: `--max-requests-inflight`.
    case readOnly
    /// Writes from everyone else: `--max-mutating-requests-inflight`.
    case mutating

    /// The users whose requests are the cluster's own.
    static let componentUsers: Set<String> = ["system:kube-scheduler", "system:kube-controller-manager", "system:kube-proxy"]
    static let exemptGroups: Set<String> = ["system:masters", "system:nodes"]
    static let longRunningSubresources: Set<String> = ["attach", "exec", "proxy", "log", "portforward"]

    /// `user` is nil on a plain-HTTP server, where every request is the administrator's.
    static func of(method: String, path: String, watch: Bool, user: AuthenticatedUser?) -> RequestLane {
        if Authenticator.isPublic(path) { return .exempt }
        guard let user else { return .exempt }
        if componentUsers.contains(user.name) || user.name.hasPrefix("system:serviceaccount:kube-system:")
            || user.groups.contains(where: exemptGroups.contains) {
            return .exempt
        }
        if watch || path.hasPrefix("/api/v1/watch/") || path.hasPrefix("/apis/") && path.contains("/watch/") { return .longRunning }
        if let info = RequestInfo(path: path), let sub = info.subresource, longRunningSubresources.contains(sub) { return .longRunning }
        switch method.uppercased() {
        case "GET", "HEAD", "OPTIONS": return .readOnly
        default: return .mutating
        }
    }
}
