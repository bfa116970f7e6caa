import APIMachinery
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore

/// Scrapes every node's kubelet `/metrics/resource` once per resolution (metrics-server's
/// `--metric-resolution`, 15 s by default) into `MetricsStorage`, a bounded number at a time.
struct MetricsScraper: Sendable {
    var resolution: Duration
    /// Kubelets scraped at once (a cluster of simulated nodes has a kubelet per node on one machine).
    var concurrency = 16
    /// metrics-server's default `--kubelet-request-timeout`... capped below the resolution.
    var timeout: Duration = .seconds(10)

    func run(_ api: APIHandler) async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            await scrapeAll(api)
            try? await Task.sleep(until: started + resolution)
        }
    }

    /// One round over every node.
    func scrapeAll(_ api: APIHandler) async {
        guard let nodes = try? await api.store("", "nodes")?.list(namespace: nil, filter: nil, limit: 0, continueToken: nil, revision: nil).items else { return }
        var present: Set<String> = []
        var pending = nodes[...]
        while !pending.isEmpty {
            let batch = pending.prefix(concurrency)
            pending = pending.dropFirst(batch.count)
            await withTaskGroup(of: (String, NodeScrape?).self) { group in
                for node in batch {
                    group.addTask { (node.metaName ?? "", await scrape(node, api)) }
                }
                for await (name, scrape) in group {
                    if let scrape {
                        api.resourceMetrics.store(node: name, scrape)
                        present.insert(name)
                    } else {
                        api.resourceMetrics.forget(node: name)
                    }
                }
            }
        }
        api.resourceMetrics.retain(only: present)
    }

    /// One kubelet's page, decoded; nil when it cannot be reached or read (logged, as metrics-server does).
    func scrape(_ node: JSON, _ api: APIHandler) async -> NodeScrape? {
        let name = node.metaName ?? ""
        let url: String
        do {
            url = try api.kubeletConnector.location(of: node).url("/metrics/resource")
        } catch {
            return nil
        }
        var request = HTTPClientRequest(url: url)
        request.tlsConfiguration = api.kubeletConnector.tls
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            let body = try await response.body.collect(upTo: 32 << 20)
            guard response.status.code == 200 else {
                api.logger.debug("scraping node \(name) failed: \(url) answered \(response.status.code)")
                return nil
            }
            let samples = try PrometheusText.parse(String(buffer: body))
            return NodeScrape(samples: samples, scrapedAt: Date())
        } catch {
            api.logger.debug("scraping node \(name) failed: \(error)")
            return nil
        }
    }
}
