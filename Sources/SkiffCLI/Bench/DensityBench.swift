import APIMachinery
import ArgumentParser
import Benchmarks
import Client
import Cluster
import Foundation
import Synchronization

/// `skiff bench density`: upstream's ClusterLoader2 density test on a cluster of simulated nodes. It makes
/// the cluster (`--nodes`), creates `--deployments` Deployments of `--replicas` pods each at a steady
/// `--rate` of pods per second, and reports:
/// - pod startup latency (the pod's ADDED event → its first event with phase Running, both seen by one
///   watch of every pod), p50/p90/p99, against upstream's 5 s SLO;
/// - scheduling throughput (pods gaining a node per second, from the same watch): average and best second;
/// - API call latency p99 per verb and scope, from the API server's `apiserver_request_duration_seconds`
///   histogram (the upper bound of the bucket the 99th percentile falls in, as CL2's Prometheus query
///   reads it), against upstream's SLOs (1 s for a single object, 30 s for a cluster-wide list);
/// - the peak RSS of each component, sampled every second;
/// then deletes the Deployments and times the drain (until no pod is left), and deletes the cluster.
struct DensityBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "density", abstract: "ClusterLoader2's density test on simulated nodes.")

    @Option(help: "Simulated nodes.") var nodes = 1000
    @Option(help: "Deployments to create.") var deployments = 1000
    @Option(help: "Replicas of each Deployment.") var replicas = 100
    @Option(help: "Pods created per second (the Deployments are spread to keep this rate).") var rate = 500
    @Option(help: "Longest wait for every pod to run, in seconds.") var timeout = 1800
    @Option(help: "Cluster name (it must not exist).") var name = "bench-density"

    func run() async throws {
        let executable = currentExecutable()
        let kubeconfig = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-density-\(getpid()).kubeconfig")
        defer { try? FileManager.default.removeItem(at: kubeconfig) }
        let total = deployments * replicas
        print("density: \(nodes) simulated nodes, \(deployments) Deployments × \(replicas) = \(total) pods at \(rate) pods/s; "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(SimulatedClusterBench.loadAverage())")
        var creator = ClusterCreator(executable: executable)
        creator.progress = { _ in }
        let made = ContinuousClock.now
        try await creator.create(name: name, nodes: nodes, runtime: "simulated", wait: .seconds(300), kubeconfigPath: kubeconfig)
        print(String(format: "cluster Ready in %.1f s", (ContinuousClock.now - made).seconds))
        do {
            try await measure(total: total)
        } catch {
            print("density: \(error)")
        }
        let deleting = ContinuousClock.now
        try await ClusterManager(executable: executable).delete(name: name)
        print(String(format: "cluster deleted in %.1f s", (ContinuousClock.now - deleting).seconds))
    }

    func measure(total: Int) async throws {
        let paths = ClusterPaths(name: name)
        var config = try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff-bench-density")
        config.timeout = .seconds(120)
        let client = KubeClient(config)
        defer { Task { await client.shutdown() } }
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "density"]])

        let pods = PodTimeline()
        let peaks = PeakMemory(paths: paths)
        let watching = Task { await pods.follow(client) }
        let sampling = Task { await peaks.sample() }
        defer {
            watching.cancel()
            sampling.cancel()
        }
        try await waitUntil(timeout: 60) { pods.watching }

        // Creation at a steady rate: one Deployment every replicas/rate seconds.
        let began = ContinuousClock.now
        let interval = Duration.seconds(Double(replicas) / Double(max(rate, 1)))
        for i in 0..<deployments {
            let due = began + interval * i
            if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            try await client.create(ResourcePath.deployments.inNamespace("density"), Self.deployment("d\(i)", replicas: replicas))
        }
        let created = ContinuousClock.now - began
        print(String(format: "created %d Deployments in %.1f s (%.0f pods/s asked)", deployments, created.seconds, Double(total) / created.seconds))
        try await waitUntil(timeout: timeout) { pods.runningCount >= total }
        let allRunning = ContinuousClock.now - began
        print(String(format: "all %d pods Running %.1f s after the first create (%.0f pods/s end to end)",
                     total, allRunning.seconds, Double(total) / allRunning.seconds))

        let startup = pods.startupLatencies().sorted()
        func ms(_ p: Double) -> Double { (nearestRankPercentile(startup, p) ?? .nan) * 1000 }
        print(String(format: "pod startup (ADDED → Running, one watch): p50 %.0f ms, p90 %.0f ms, p99 %.0f ms (SLO p99 ≤ 5 s: %@)",
                     ms(50), ms(90), ms(99), ms(99) <= 5000 ? "met" : "missed"))
        let scheduling = pods.scheduledPerSecond()
        print(String(format: "scheduling: %.0f pods/s on average over %d s, %d in the best second",
                     Double(scheduling.reduce(0, +)) / Double(max(scheduling.count, 1)), scheduling.count, scheduling.max() ?? 0))
        let (_, metrics) = try await client.raw(.GET, "/metrics")
        for line in APIResponsiveness(metrics: String(decoding: metrics, as: UTF8.self)).report() { print(line) }
        for (component, mib) in peaks.peaks.sorted(by: { $0.key < $1.key }) {
            print(String(format: "peak RSS %@: %.1f MiB", component, mib))
        }

        let draining = ContinuousClock.now
        for i in 0..<deployments {
            try await client.delete(ResourcePath.deployments.inNamespace("density"), "d\(i)")
        }
        try await waitUntil(timeout: timeout) { pods.liveCount == 0 }
        print(String(format: "drain: %d Deployments deleted and every pod gone in %.1f s", deployments, (ContinuousClock.now - draining).seconds))
    }

    static func deployment(_ name: String, replicas: Int) -> JSON {
        [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name), "namespace": "density"],
            "spec": [
                "replicas": .int(Int64(replicas)), "selector": ["matchLabels": ["app": .string(name)]],
                "template": ["metadata": ["labels": ["app": .string(name)]],
                             "spec": ["containers": [["name": "pause", "image": "registry.k8s.io/pause:3.10"]]]],
            ],
        ]
    }

    func waitUntil(timeout seconds: Int, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ValidationError("timed out after \(seconds) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// What one watch of every pod saw: when each appeared, got a node and first ran, and which are gone.
final class PodTimeline: Sendable {
    struct Pod {
        var added: ContinuousClock.Instant
        var scheduled: ContinuousClock.Instant?
        var running: ContinuousClock.Instant?
    }

    private let state = Mutex<(pods: [String: Pod], gone: Set<String>, watching: Bool)>(([:], [], false))

    var watching: Bool { state.withLock { $0.watching } }
    var runningCount: Int { state.withLock { $0.pods.values.filter { $0.running != nil }.count } }
    var liveCount: Int { state.withLock { s in s.pods.keys.filter { !s.gone.contains($0) }.count } }

    /// Follows the pods of every namespace until cancelled, watching again from the last version seen.
    func follow(_ client: KubeClient) async {
        var version = ""
        while !Task.isCancelled {
            do {
                if version.isEmpty {
                    let list = try await client.list(.pods)
                    version = list[path: ["metadata", "resourceVersion"]]?.string ?? ""
                    state.withLock { $0.watching = true }
                }
                for try await event in client.watch(.pods, resourceVersion: version) {
                    let now = ContinuousClock.now
                    if let v = event.object[path: ["metadata", "resourceVersion"]]?.string { version = v }
                    guard event.type != "BOOKMARK", let key = ObjectKey.of(event.object) else { continue }
                    let node = !(event.object[path: ["spec", "nodeName"]]?.string ?? "").isEmpty
                    let running = event.object[path: ["status", "phase"]]?.string == "Running"
                    state.withLock { s in
                        if event.type == "DELETED" { s.gone.insert(key); return }
                        var pod = s.pods[key] ?? Pod(added: now)
                        if node, pod.scheduled == nil { pod.scheduled = now }
                        if running, pod.running == nil { pod.running = now }
                        s.pods[key] = pod
                    }
                }
            } catch {
                if Task.isCancelled { return }
                version = ""
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// ADDED → Running of every pod that ran, in seconds.
    func startupLatencies() -> [Double] {
        state.withLock { s in s.pods.values.compactMap { p in p.running.map { ($0 - p.added).seconds } } }
    }

    /// Pods that got a node in each second from the first one on.
    func scheduledPerSecond() -> [Int] {
        let times = state.withLock { s in s.pods.values.compactMap(\.scheduled) }.sorted()
        guard let first = times.first else { return [] }
        var buckets: [Int] = []
        for t in times {
            let i = Int((t - first).seconds)
            while buckets.count <= i { buckets.append(0) }
            buckets[i] += 1
        }
        return buckets
    }
}

/// The highest RSS each component of a cluster reached, sampled once a second.
final class PeakMemory: Sendable {
    let paths: ClusterPaths
    private let state = Mutex<[String: Double]>([:])

    init(paths: ClusterPaths) { self.paths = paths }

    var peaks: [String: Double] { state.withLock { $0 } }

    func sample() async {
        let components = ["apiserver", "scheduler", "controller-manager", ClusterComponents.nodeSimulatorComponent]
        while !Task.isCancelled {
            for c in components {
                guard let pid = ProcessControl.readPID(paths.pidFile(c)) else { continue }
                let mib = residentMiB(pid: pid)
                if !mib.isNaN { state.withLock { $0[c] = max($0[c] ?? 0, mib) } }
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// API call latency from the API server's request histogram, as ClusterLoader2's APIResponsiveness reads
/// it: per verb and scope, the bucket bound under which 99% of the calls finished; WATCH and CONNECT
/// are long-running and left out.
struct APIResponsiveness {
    let metrics: String

    func report() -> [String] {
        // (verb, scope) → bucket bound → cumulative count.
        var buckets: [String: [Double: Double]] = [:]
        for line in metrics.split(separator: "\n") where line.hasPrefix("apiserver_request_duration_seconds_bucket{") {
            guard let close = line.lastIndex(of: "}"), let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) else { continue }
            let labels = Self.labels(String(line[line.index(after: line.firstIndex(of: "{")!)..<close]))
            guard let verb = labels["verb"], verb != "WATCH", verb != "CONNECT", let le = labels["le"] else { continue }
            let bound = le == "+Inf" ? Double.infinity : (Double(le) ?? .infinity)
            buckets["\(verb) \(labels["scope"] ?? "")", default: [:]][bound, default: 0] += value
        }
        return buckets.keys.sorted().compactMap { key in
            let cumulative = buckets[key]!.sorted { $0.key < $1.key }
            guard let total = cumulative.last?.value, total > 0 else { return nil }
            let p99 = cumulative.first { $0.value >= 0.99 * total }?.key ?? .infinity
            let slo: Double = key.hasSuffix(" cluster") && key.hasPrefix("LIST") ? 30 : key.hasPrefix("LIST") ? 5 : 1
            return String(format: "API %@: %.0f calls, p99 ≤ %@ s (SLO %.0f s: %@)", key, total,
                          p99.isInfinite ? "∞" : String(p99), slo, p99 <= slo ? "met" : "missed")
        }
    }

    static func labels(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            out[String(kv[0])] = String(kv[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }
}
