import Foundation
import Synchronization

/// The last two scrapes of every node (metrics-server's storage): enough to turn cumulative CPU counters
/// into rates. Nodes that fail a scrape, or leave the cluster, are forgotten until scraped again.
final class MetricsStorage: Sendable {
    struct Entry: Sendable {
        var previous: NodeScrape?
        var last: NodeScrape
    }

    private let nodes = Mutex<[String: Entry]>([:])

    /// Records a node's new scrape; `present` (after a round) drops nodes no longer scraped.
    func store(node: String, _ scrape: NodeScrape) {
        nodes.withLock { n in n[node] = Entry(previous: n[node]?.last, last: scrape) }
    }

    func retain(only present: Set<String>) {
        nodes.withLock { n in n = n.filter { present.contains($0.key) } }
    }

    func forget(node: String) {
        _ = nodes.withLock { $0.removeValue(forKey: node) }
    }

    /// The node's usage between its last two scrapes.
    func nodeUsage(_ name: String) -> MetricsUsage? {
        guard let e = nodes.withLock({ $0[name] }), let last = e.last.node, let prev = e.previous?.node else { return nil }
        return MetricsUsage.between(prev, last)
    }

    /// Each container's usage of the pod, in no particular order; nil when the pod has no metrics (none
    /// of its containers has a usable pair of readings, or it is on no scraped node).
    func podUsage(namespace: String, pod: String, node: String?) -> [(container: String, usage: MetricsUsage)]? {
        let entries: [Entry]
        if let node, let e = nodes.withLock({ $0[node] }) {
            entries = [e]
        } else {
            entries = Array(nodes.withLock { $0.values })
        }
        for e in entries {
            let mine = e.last.containers.filter { $0.key.namespace == namespace && $0.key.pod == pod }
            if mine.isEmpty { continue }
            var out: [(container: String, usage: MetricsUsage)] = []
            for (key, last) in mine {
                let prev = e.previous?.containers[key]
                // The same container as last time: the pair of readings. New since (or restarted since) the
                // previous scrape, or no previous scrape yet: since it started.
                let usage: MetricsUsage?
                if let prev, prev.startTime == last.startTime {
                    usage = MetricsUsage.between(prev, last)
                } else {
                    usage = MetricsUsage.sinceStart(last)
                }
                // metrics-server reports a pod only when every container has a figure.
                guard let usage else { return nil }
                out.append((container: key.container, usage: usage))
            }
            return out
        }
        return nil
    }
}
