import APIMachinery
import ArgumentParser
import Client
import Foundation
import Kubelet
import Logging

/// `skiff bench workloads`: the workload controllers at node scale, on simulated nodes (issue 14's
/// targets). It starts its own `skiff apiserver`, `skiff scheduler` and `skiff controller-manager` (all
/// controllers) as processes, and `--nodes` simulated kubelets in this process (`BenchSimulatedNodes`),
/// then measures:
///
/// 1. the controller manager's RSS once idle, every controller running over the cluster's nodes;
/// 2. a DaemonSet's rollout: from its create to `numberReady`, `numberAvailable` and
///    `updatedNumberScheduled` all equal to `desiredNumberScheduled` = the node count, seen by a watch;
/// 3. a Job of `--completions` pods, `--parallelism` at once, each "running" `--run-duration` on its
///    simulated node (`SimulatedRunToCompletion`): from its create to its Complete condition.
struct WorkloadsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workloads", abstract: "DaemonSet rollout, a large Job and the controller manager's memory on simulated nodes.")

    @Option(help: "Simulated nodes.") var nodes = 100
    @Option(help: "The Job's completions.") var completions = 1000
    @Option(help: "The Job's parallelism.") var parallelism = 100
    @Option(help: "How long each Job pod runs on its simulated node (a Go duration).") var runDuration = "1s"
    @Option(help: "Seconds the cluster idles before the controller manager's memory is read.") var idle = 10
    @Option(help: "Give up on a measurement after this many seconds.") var timeout = 180
    @Option(help: "Storage backend of the API server.") var storage = "sqlite"
    @Option(help: "Log level of this process's kubelets.") var logLevel = "error"

    func run() async throws {
        guard GoDuration.parse(runDuration) != nil else { throw ValidationError("--run-duration: not a duration: \(runDuration)") }
        _ = LoggingSetup.bootstrap(level: logLevel)
        var config = ClientConfig(server: "http://127.0.0.1:\(BenchAPIServer.port())", userAgent: "skiff-bench")
        // Every kubelet holds a pod watch on the shared client, besides its requests.
        config.maxConnections = nodes * 3 + 64
        let client = KubeClient(config)
        do {
            try await measure(client)
        } catch {
            // The HTTP client must be shut down before it is dropped, on the error path too.
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    private func measure(_ client: KubeClient) async throws {
        let server = try await BenchAPIServer(storage: storage, probe: client, port: BenchAPIServer.port())
        defer { server.stop() }
        let kubeconfig = try server.writeKubeconfig()
        let controllerManager = try BenchChild(["controller-manager", "--kubeconfig", kubeconfig, "--leader-elect", "false", "--log-level", "warning"])
        defer { controllerManager.stop() }
        let scheduler = try BenchChild(["scheduler", "--kubeconfig", kubeconfig, "--leader-elect", "false", "--log-level", "warning"])
        defer { scheduler.stop() }

        let setupStart = ContinuousClock.now
        let simulated = try BenchSimulatedNodes(count: nodes, client: client, rootDir: server.directory + "/nodes",
                                                logger: Logger(label: "kubelet"))
        let kubelets = Task { await simulated.run() }
        defer { kubelets.cancel() }
        try await waitUntil("\(nodes) nodes Ready", timeout: timeout) {
            let list = try await client.list(.nodes)
            return (list["items"]?.array ?? []).filter(Self.isReady).count == nodes
        }
        try await client.create(.namespaces, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        try await waitUntil("the bench namespace's default ServiceAccount", timeout: timeout) {
            (try? await client.get(ResourcePath.serviceaccounts.inNamespace("bench"), "default")) != nil
        }
        print(String(format: "set-up: API server, scheduler, controller manager and %d simulated nodes Ready in %.1f s",
                     nodes, (ContinuousClock.now - setupStart).seconds))

        try await Task.sleep(for: .seconds(idle))
        print(String(format: "controller manager RSS, idle over %d nodes (every controller running): %.1f MiB",
                     nodes, residentMiB(pid: controllerManager.pid)))

        let rollout = try await daemonSetRollout(client)
        print(String(format: "DaemonSet on %d simulated nodes: fully rolled out (numberReady = numberAvailable = updated = desired = %d) in %.2f s",
                     nodes, nodes, rollout))

        let jobTime = try await jobRun(client)
        print(String(format: "Job of %d completions, parallelism %d, pods running %@ each: Complete in %.2f s (%.0f pods/s)",
                     completions, parallelism, runDuration, jobTime, Double(completions) / jobTime))
        print(String(format: "controller manager RSS after both: %.1f MiB; API server %.1f MiB; scheduler %.1f MiB",
                     residentMiB(pid: controllerManager.pid), residentMiB(pid: server.pid), residentMiB(pid: scheduler.pid)))
        kubelets.cancel()
    }

    static func isReady(_ node: JSON) -> Bool {
        (node[path: ["status", "conditions"]]?.array ?? []).contains { $0["type"]?.string == "Ready" && $0["status"]?.string == "True" }
    }

    /// Seconds from the DaemonSet's create to its status showing every node's pod ready and up to date.
    func daemonSetRollout(_ client: KubeClient) async throws -> Double {
        let path = ResourcePath.daemonsets.inNamespace("bench")
        let ds: JSON = [
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "agent"],
            "spec": ["selector": ["matchLabels": ["app": "agent"]],
                     "template": ["metadata": ["labels": ["app": "agent"]],
                                  "spec": ["automountServiceAccountToken": false, "terminationGracePeriodSeconds": 0,
                                           "containers": [["name": "agent", "image": "registry.k8s.io/pause:3.10"]]]]],
        ]
        let want = Int64(nodes)
        return try await timed(path, create: ds, timeout: timeout) { d in
            let s = d["status"] ?? [:]
            return s["desiredNumberScheduled"]?.int == want && s["numberReady"]?.int == want
                && s["numberAvailable"]?.int == want && s["updatedNumberScheduled"]?.int == want
                && s["observedGeneration"]?.int == d[path: ["metadata", "generation"]]?.int
        }
    }

    /// Seconds from the Job's create to its Complete condition.
    func jobRun(_ client: KubeClient) async throws -> Double {
        let path = ResourcePath.jobs.inNamespace("bench")
        var job: JSON = [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "batch"],
            "spec": ["completions": .int(Int64(completions)), "parallelism": .int(Int64(parallelism)),
                     "template": ["spec": ["restartPolicy": "Never", "automountServiceAccountToken": false,
                                           "terminationGracePeriodSeconds": 0,
                                           "containers": [["name": "work", "image": "busybox:1.35", "command": ["true"]]]]]],
        ]
        job[path: ["spec", "template", "metadata", "annotations", SimulatedRunToCompletion.durationAnnotation]] = .string(runDuration)
        return try await timed(path, create: job, timeout: timeout) { j in
            (j[path: ["status", "conditions"]]?.array ?? []).contains { $0["type"]?.string == "Complete" && $0["status"]?.string == "True" }
        }
    }

    /// Creates `object` and returns the seconds until a watch started just before shows `done` of it.
    func timed(_ path: ResourcePath, create object: JSON, timeout: Int, done: @escaping @Sendable (JSON) -> Bool) async throws -> Double {
        let client = KubeClient(ClientConfig(server: "http://127.0.0.1:\(BenchAPIServer.port())", userAgent: "skiff-bench-watch"))
        defer { Task { await client.shutdown() } }
        let name = object[path: ["metadata", "name"]]?.string ?? ""
        let rv = try await client.list(path)[path: ["metadata", "resourceVersion"]]?.string ?? "0"
        let watching = Task { () throws -> ContinuousClock.Instant in
            for try await event in client.watch(path, resourceVersion: rv) where event.object[path: ["metadata", "name"]]?.string == name {
                if done(event.object) { return .now }
            }
            throw BenchError("the watch on \(path) ended early")
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(timeout))
            watching.cancel()
        }
        defer { deadline.cancel() }
        let start = ContinuousClock.now
        _ = try await client.create(path, object)
        guard let end = try? await watching.value else { throw BenchError("\(name) did not get there within \(timeout) s") }
        return (end - start).seconds
    }

    func waitUntil(_ what: String, timeout: Int, _ check: @escaping @Sendable () async throws -> Bool) async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(timeout) {
            if (try? await check()) == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("gave up waiting for \(what) after \(timeout) s")
    }
}

/// A Skiff component spawned for a bench (this executable), its output discarded, stopped by PID.
final class BenchChild {
    let process = Process()
    var pid: Int32 { process.processIdentifier }

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: BenchAPIServer.executable)
        process.arguments = arguments
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
