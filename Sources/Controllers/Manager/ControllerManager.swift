import APIMachinery
import Client
import Foundation
import Logging

/// The controllers of `skiff controller-manager` over one set of shared informers and one event
/// broadcaster (upstream's kube-controller-manager).
public final class ControllerManager: Sendable {
    public let informers: SharedInformers
    public let events: EventBroadcaster
    /// The clients the controllers act with (`--use-service-account-credentials`).
    public let clients: any ControllerClientBuilder
    let runs: [@Sendable () async -> Void]
    let workQueueMetrics: (any WorkQueueMetricsProvider)?

    /// `client` is the manager's own: the informers, the event writer and (through `clientBuilder`, by
    /// default the one `options.useServiceAccountCredentials` picks) the token requests use it; each
    /// controller gets the client for its upstream service-account name.
    public init(client: KubeClient, options: ControllerManagerOptions, clientBuilder: (any ControllerClientBuilder)? = nil) {
        let log = options.logger
        let clients = clientBuilder ?? (options.useServiceAccountCredentials
            ? ServiceAccountControllerClientBuilder(root: client, logger: log) as any ControllerClientBuilder
            : RootControllerClientBuilder(root: client))
        self.clients = clients
        workQueueMetrics = options.workQueueMetrics
        informers = SharedInformers(client: client, resyncPeriod: options.resyncPeriod, logger: log)
        events = EventBroadcaster(client: client, logger: log)
        var runs: [@Sendable () async -> Void] = []
        let on = options.controllers
        func logger(_ name: String) -> Logger {
            var l = log
            l[metadataKey: "controller"] = .string(name)
            return l
        }
        if on.contains("replicaset-controller") {
            let c = ReplicaSetController(client: clients.client("replicaset-controller"), informers: informers, recorder: events.recorder(component: "replicaset-controller"), logger: logger("replicaset"))
            runs.append { await c.run(workers: options.replicaSetWorkers) }
        }
        if on.contains("replicationcontroller-controller") {
            let c = ReplicaSetController.replicationManager(client: clients.client("replication-controller"), informers: informers, recorder: events.recorder(component: "replication-controller"), logger: logger("replicationcontroller"))
            runs.append { await c.run(workers: options.replicationControllerWorkers) }
        }
        if on.contains("deployment-controller") {
            let c = DeploymentController(client: clients.client("deployment-controller"), informers: informers, recorder: events.recorder(component: "deployment-controller"), logger: logger("deployment"))
            runs.append { await c.run(workers: options.deploymentWorkers) }
        }
        if on.contains("statefulset-controller") {
            let c = StatefulSetController(client: clients.client("statefulset-controller"), informers: informers, recorder: events.recorder(component: "statefulset-controller"), logger: logger("statefulset"))
            runs.append { await c.run(workers: options.statefulSetWorkers) }
        }
        if on.contains("daemonset-controller") {
            let c = DaemonSetController(client: clients.client("daemon-set-controller"), informers: informers, recorder: events.recorder(component: "daemonset-controller"), logger: logger("daemonset"))
            runs.append { await c.run(workers: options.daemonSetWorkers) }
        }
        if on.contains("endpoints-controller") {
            let c = EndpointsController(client: clients.client("endpoint-controller"), informers: informers, logger: logger("endpoints"))
            runs.append { await c.run(workers: options.endpointsWorkers) }
        }
        if on.contains("endpointslice-controller") {
            let c = EndpointSliceController(client: clients.client("endpointslice-controller"), informers: informers, logger: logger("endpointslice"))
            runs.append { await c.run(workers: options.endpointSliceWorkers) }
        }
        if on.contains("serviceaccount-controller") {
            let c = ServiceAccountController(client: clients.client("service-account-controller"), informers: informers, logger: logger("serviceaccount"))
            runs.append { await c.run(workers: options.serviceAccountWorkers) }
        }
        if on.contains("root-ca-certificate-publisher-controller"), let rootCA = options.rootCA {
            let c = RootCACertPublisher(client: clients.client("root-ca-cert-publisher"), informers: informers, rootCA: rootCA, logger: logger("root-ca-cert-publisher"))
            runs.append { await c.run(workers: 1) }
        }
        if on.contains("garbage-collector-controller") {
            let c = GarbageCollector(client: clients.client("generic-garbage-collector"), informers: informers, logger: logger("garbagecollector"))
            runs.append { await c.run(workers: options.garbageCollectorWorkers) }
        }
        if on.contains("node-lifecycle-controller") {
            let c = NodeLifecycleController(
                client: clients.client("node-controller"), informers: informers,
                options: .init(gracePeriod: options.nodeMonitorGracePeriod, monitorPeriod: options.nodeMonitorPeriod),
                recorder: events.recorder(component: "node-controller"), logger: logger("nodelifecycle"))
            runs.append { await c.run(workers: options.nodeLifecycleWorkers) }
        }
        if on.contains("taint-eviction-controller") {
            let c = TaintEvictionController(client: clients.client("taint-eviction-controller"), informers: informers, recorder: events.recorder(component: "taint-eviction-controller"), logger: logger("tainteviction"))
            runs.append { await c.run(workers: options.taintEvictionWorkers) }
        }
        if on.contains("disruption-controller") {
            // Upstream's disruption controller records its events as "controllermanager".
            let c = DisruptionController(client: clients.client("disruption-controller"), informers: informers, recorder: events.recorder(component: "controllermanager"), logger: logger("disruption"))
            runs.append { await c.run(workers: options.disruptionWorkers) }
        }
        if on.contains("resourcequota-controller") {
            let c = ResourceQuotaController(client: clients.client("resourcequota-controller"), informers: informers, resyncPeriod: options.resourceQuotaSyncPeriod, logger: logger("resourcequota"))
            runs.append { await c.run(workers: options.resourceQuotaWorkers) }
        }
        if on.contains("job-controller") {
            let c = JobController(client: clients.client("job-controller"), informers: informers, recorder: events.recorder(component: "job-controller"), logger: logger("job"))
            runs.append { await c.run(workers: options.jobWorkers) }
        }
        if on.contains("cronjob-controller") {
            let c = CronJobController(client: clients.client("cronjob-controller"), informers: informers, recorder: events.recorder(component: "cronjob-controller"), logger: logger("cronjob"))
            runs.append { await c.run(workers: options.cronJobWorkers) }
        }
        if on.contains("ttl-after-finished-controller") {
            let c = TTLAfterFinishedController(client: clients.client("ttl-after-finished-controller"), informers: informers, logger: logger("ttlafterfinished"))
            runs.append { await c.run(workers: options.ttlAfterFinishedWorkers) }
        }
        if on.contains("horizontal-pod-autoscaler-controller") {
            var hpaOptions = HorizontalPodAutoscalerController.Options()
            hpaOptions.syncPeriod = options.horizontalPodAutoscalerSyncPeriod
            hpaOptions.downscaleStabilization = TimeInterval(options.horizontalPodAutoscalerDownscaleStabilization.components.seconds)
            let c = HorizontalPodAutoscalerController(client: clients.client("horizontal-pod-autoscaler"), informers: informers, recorder: events.recorder(component: "horizontal-pod-autoscaler"),
                                                      options: hpaOptions, logger: logger("horizontalpodautoscaler"))
            runs.append { await c.run(workers: options.horizontalPodAutoscalerWorkers) }
        }
        if on.contains("pod-garbage-collector-controller") {
            let c = PodGCController(client: clients.client("pod-garbage-collector"), informers: informers, terminatedPodThreshold: options.terminatedPodGCThreshold, logger: logger("podgc"))
            runs.append { await c.run() }
        }
        if on.contains(ServiceLoadBalancerController.name), let pool = options.loadBalancerPool {
            let c = ServiceLoadBalancerController(
                client: clients.client("service-controller"), informers: informers, allocator: pool,
                recorder: events.recorder(component: "service-controller"), logger: logger("service-lb"))
            runs.append { await c.run() }
        }
        if on.contains("persistentvolume-binder-controller") {
            let c = PersistentVolumeController(client: clients.client("persistent-volume-binder"), informers: informers, recorder: events.recorder(component: "persistentvolume-controller"), logger: logger("persistentvolume-binder"))
            runs.append { await c.run(workers: options.persistentVolumeBinderWorkers) }
        }
        if on.contains("persistentvolumeclaim-protection-controller") {
            let c = ClaimProtectionController(client: clients.client("pvc-protection-controller"), informers: informers, logger: logger("pvc-protection"))
            runs.append { await c.run(workers: 1) }
        }
        if on.contains("persistentvolume-protection-controller") {
            let c = VolumeProtectionController(client: clients.client("pv-protection-controller"), informers: informers, logger: logger("pv-protection"))
            runs.append { await c.run(workers: 1) }
        }
        if on.contains("ephemeral-volume-controller") {
            let c = EphemeralVolumeController(client: clients.client("ephemeral-volume-controller"), informers: informers, recorder: events.recorder(component: "ephemeral_volume"), logger: logger("ephemeral-volume"))
            runs.append { await c.run(workers: options.ephemeralVolumeWorkers) }
        }
        if let nodesDirectory = options.localPathNodesDirectory {
            // Kind runs its provisioner as a pod; here it is part of the controller manager (shown in
            // kube-system with it), with the recorder name local-path's events carry.
            let c = LocalPathProvisioner(client: clients.client(LocalPathProvisioner.serviceAccountName), informers: informers, nodesDirectory: nodesDirectory,
                                         recorder: events.recorder(component: "\(LocalPathProvisioner.defaultName)_local-path-provisioner"),
                                         logger: logger("local-path-provisioner"))
            runs.append { await c.run(workers: options.localPathProvisionerWorkers) }
        }
        if on.contains("clusterrole-aggregation-controller") {
            let c = ClusterRoleAggregationController(client: clients.client("clusterrole-aggregation-controller"), informers: informers, logger: logger("clusterrole-aggregation"))
            runs.append { await c.run(workers: 1) }
        }
        self.runs = runs
    }

    /// Runs the informers, the event writer and every controller until cancelled.
    public func run() async {
        let informers = self.informers, events = self.events, runs = self.runs
        await WorkQueueNames.$provider.withValue(workQueueMetrics) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await informers.run() }
                group.addTask { await events.run() }
                for r in runs { group.addTask { await r() } }
            }
        }
        await clients.shutdown()
    }
}

/// Leadership was lost: like upstream, the process should exit and be restarted rather than carry on
/// next to a new leader.
public struct LeaderElectionLost: Error, CustomStringConvertible {
    public var description: String { "leaderelection lost" }
}

/// `skiff controller-manager`: runs the controllers until cancelled, only while holding the Lease
/// `kube-system/kube-controller-manager` when `options.leaderElect` (so that of several copies exactly
/// one acts). Throws `LeaderElectionLost` if leadership is lost before cancellation.
public func runControllerManager(client: KubeClient, options: ControllerManagerOptions) async throws {
    guard options.leaderElect else {
        await ControllerManager(client: client, options: options).run()
        return
    }
    var config = LeaderElectionConfig(leaseNamespace: options.leaseNamespace, leaseName: options.leaseName, identity: options.identity)
    config.leaseDuration = options.leaseDuration
    config.renewDeadline = options.renewDeadline
    config.retryPeriod = options.retryPeriod
    let logger = options.logger
    let elector = try LeaderElector(
        client: client, config: config,
        onStartedLeading: {
            let manager = ControllerManager(client: client, options: options)
            // Upstream announces the new leader with an Event on the Lease.
            if let lease = try? await client.get(.leases.inNamespace(options.leaseNamespace), options.leaseName) {
                manager.events.recorder(component: "kube-controller-manager")
                    .event(lease, kind: "Lease", apiVersion: "coordination.k8s.io/v1", .normal, "LeaderElection", "\(options.identity) became leader")
            }
            await manager.run()
        },
        onNewLeader: { id in if id != options.identity && !id.isEmpty { logger.info("new leader elected: \(id)") } },
        logger: logger)
    await elector.run()
    if !Task.isCancelled { throw LeaderElectionLost() }
}
