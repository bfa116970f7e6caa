import ArgumentParser
import Client
import ComponentMetrics
import Foundation
import Logging
import Scheduler

/// `skiff scheduler`: the kube-scheduler, with leader election so that two copies can run.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Run the scheduler.")

    @Option(help: "Kubeconfig with the API server and the scheduler's credentials.") var kubeconfig: String
    @Option(help: "Run only while holding the kube-system/kube-scheduler Lease.") var leaderElect = true
    @Option(help: "HOST:PORT serving /metrics and /healthz over plain HTTP (upstream: the secure port 10259); empty turns it off.")
    var metricsBindAddress: String = ""
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        let metricsAddress = try MetricsBindAddressOption.parse(metricsBindAddress)
        let logger = Logger(label: "scheduler")
        let client = KubeClient(try KubeconfigLoader.load(path: kubeconfig, userAgent: "kube-scheduler/v1.32.0-skiff"))
        let identity = "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
        logger.info("scheduler starting (identity \(identity))")
        let metrics = SchedulerMetrics()
        try await SignalHandling.runUntilTerminated {
            try await MetricsBindAddressOption.serving(metricsAddress, logger: logger, render: { metrics.render() }) {
                try await LeaderElection.runWhileLeading(client: client, lease: "kube-scheduler", identity: identity, enabled: leaderElect, logger: logger) {
                    await SchedulerService(client: client, metrics: metrics, logger: logger).run()
                }
            }
        }
        await client.shutdown()
    }
}

/// Runs `work` only while this process holds the named Lease in kube-system (or always, when disabled).
/// Losing the lease ends the process's work; the supervisor restarts it to compete again, as upstream's
/// components exit on lost leadership.
enum LeaderElection {
    static func runWhileLeading(client: KubeClient, lease: String, identity: String, enabled: Bool, logger: Logger,
                                _ work: @escaping @Sendable () async -> Void) async throws {
        guard enabled else {
            await work()
            return
        }
        let elector = try LeaderElector(
            client: client, config: LeaderElectionConfig(leaseNamespace: "kube-system", leaseName: lease, identity: identity),
            onStartedLeading: {
                logger.info("became leader of \(lease)")
                await work()
            },
            onStoppedLeading: { logger.info("stopped leading \(lease)") },
            logger: logger)
        await elector.run()
    }
}
