/// The kubelet endpoints Skiff serves, parsed from a request path (upstream's kubelet paths).
public enum KubeletRequestPath: Equatable, Sendable {
    case healthz
    case containerLogs(namespace: String, pod: String, container: String)
    case exec(namespace: String, pod: String, container: String)
    case attach(namespace: String, pod: String, container: String)
    case portForward(namespace: String, pod: String)
    /// `/stats/summary`: the Summary API.
    case statsSummary
    /// `/metrics/resource`: the resource metrics metrics-server scrapes.
    case metricsResource
    /// `/metrics`: the kubelet's own metrics (running pods and containers, pod start latency).
    case metrics

    public init?(_ path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { $0.removingPercentEncoding ?? String($0) }
        switch (parts.first, parts.count) {
        case ("healthz", 1): self = .healthz
        case ("containerLogs", 4): self = .containerLogs(namespace: parts[1], pod: parts[2], container: parts[3])
        case ("exec", 4): self = .exec(namespace: parts[1], pod: parts[2], container: parts[3])
        case ("attach", 4): self = .attach(namespace: parts[1], pod: parts[2], container: parts[3])
        case ("portForward", 3): self = .portForward(namespace: parts[1], pod: parts[2])
        case ("stats", 2) where parts[1] == "summary": self = .statsSummary
        case ("metrics", 2) where parts[1] == "resource": self = .metricsResource
        case ("metrics", 1): self = .metrics
        default: return nil
        }
    }

    /// Whether this endpoint is served only as a WebSocket session.
    var isStreaming: Bool {
        switch self {
        case .exec, .attach, .portForward: return true
        default: return false
        }
    }
}

import Foundation
