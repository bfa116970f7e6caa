import Client
import Foundation
import Logging

/// How `runControllerManager` runs (the flags of upstream's kube-controller-manager that Skiff has).
public struct ControllerManagerOptions: Sendable {
    /// Every controller Skiff has, by upstream's names (`--controllers`).
    public static let allControllers: Set<String> = [
        "replicaset-controller", "deployment-controller", "endpoints-controller", "endpointslice-controller",
        "serviceaccount-controller", "garbage-collector-controller", "node-lifecycle-controller",
        "taint-eviction-controller", "root-ca-certificate-publisher-controller",
        "statefulset-controller", "daemonset-controller", "pod-garbage-collector-controller", "disruption-controller",
        "replicationcontroller-controller", "resourcequota-controller",
        "job-controller", "cronjob-controller", "ttl-after-finished-controller",
        "persistentvolume-binder-controller", "persistentvolumeclaim-protection-controller",
        "persistentvolume-protection-controller", "ephemeral-volume-controller",
        "clusterrole-aggregation-controller",
        "horizontal-pod-autoscaler-controller",
        "service-lb-controller",
    ]

    /// Which controllers run.
    public var controllers: Set<String> = ControllerManagerOptions.allControllers

    /// Where the controllers' work queues report `workqueue_*` metrics; nil reports nothing.
    public var workQueueMetrics: (any WorkQueueMetricsProvider)?

    /// Workers per controller (upstream's `--concurrent-*-syncs`).
    public var replicaSetWorkers = 5
    public var replicationControllerWorkers = 5
    public var deploymentWorkers = 5
    public var endpointsWorkers = 5
    public var endpointSliceWorkers = 5
    public var serviceAccountWorkers = 1
    public var garbageCollectorWorkers = 20
    public var nodeLifecycleWorkers = 1
    public var taintEvictionWorkers = 1
    public var statefulSetWorkers = 5
    public var daemonSetWorkers = 2
    /// Upstream runs one disruption worker.
    public var disruptionWorkers = 1
    /// `--concurrent-resource-quota-syncs` and `--resource-quota-sync-period`.
    public var resourceQuotaWorkers = 5
    public var resourceQuotaSyncPeriod: Duration = .seconds(300)
    /// `--concurrent-job-syncs`, `--concurrent-cron-job-syncs`, `--concurrent-ttl-after-finished-syncs`.
    public var jobWorkers = 5
    public var cronJobWorkers = 5
    public var ttlAfterFinishedWorkers = 5
    /// `--concurrent-horizontal-pod-autoscaler-syncs`, `--horizontal-pod-autoscaler-sync-period` and
    /// `--horizontal-pod-autoscaler-downscale-stabilization`.
    public var horizontalPodAutoscalerWorkers = 5
    public var horizontalPodAutoscalerSyncPeriod: Duration = .seconds(15)
    public var horizontalPodAutoscalerDownscaleStabilization: Duration = .seconds(300)
    /// `--terminated-pod-gc-threshold`: finished pods kept before the oldest are deleted (0: never).
    public var terminatedPodGCThreshold = 12500

    /// `--use-service-account-credentials`: each controller acts as its own service account
    /// `kube-system/<controller>` with a requested token (`ServiceAccountControllerClientBuilder`) instead of
    /// the manager's credential. Off by default, as upstream's flag; `skiff create cluster` turns it on.
    public var useServiceAccountCredentials = false

    /// Run only while holding the Lease `leaseNamespace/leaseName` (`--leader-elect`).
    public var leaderElect = true
    public var leaseNamespace = "kube-system"
    public var leaseName = "kube-controller-manager"
    /// This instance's name in the Lease (upstream: hostname_uuid).
    public var identity: String = ControllerManagerOptions.defaultIdentity()
    public var leaseDuration: Duration = .seconds(15)
    public var renewDeadline: Duration = .seconds(10)
    public var retryPeriod: Duration = .seconds(2)

    /// `--node-monitor-grace-period`: silence after which a node is marked Unknown and tainted.
    public var nodeMonitorGracePeriod: Duration = .seconds(40)
    /// `--node-monitor-period`: how often node health is checked.
    public var nodeMonitorPeriod: Duration = .seconds(5)

    /// The cluster CA's PEM, published to every namespace as `kube-root-ca.crt` (upstream: `--root-ca-file`,
    /// else the CA of the manager's kubeconfig). nil: nothing is published (plain-HTTP test clusters).
    public var rootCA: String?

    /// Where LoadBalancer Services get their addresses (`--load-balancer-pool`, the cluster's host-routed
    /// pool); nil leaves them `<pending>`, as a cluster without a cloud provider does.
    public var loadBalancerPool: LoadBalancerIPAllocator?

    /// `--concurrent-ephemeralvolume-syncs`; the protection controllers run one worker each.
    public var ephemeralVolumeWorkers = 5

    /// Workers of the volume binder (no upstream flag: upstream runs one claim and one volume worker).
    /// More than one lets claims of many pods bind at once; each binding write carries the
    /// resourceVersion it read, so two workers choosing the same volume end in a conflict and a retry,
    /// never a double binding.
    public var persistentVolumeBinderWorkers = 4

    /// Workers of the built-in local-path provisioner (rancher's runs its provisioning in parallel too).
    public var localPathProvisionerWorkers = 4

    /// The directory holding each node's directory (`<dir>/<node>/local-path/...`), where the built-in
    /// local-path provisioner makes volumes (`--local-path-nodes-dir`). nil: no provisioner runs.
    public var localPathNodesDirectory: URL?

    /// How often informers replay their caches to the controllers (nil: never).
    public var resyncPeriod: Duration? = nil

    public var logger = Logger(label: "kube-controller-manager")

    public init() {}

    public static func defaultIdentity() -> String {
        "\(ProcessInfo.processInfo.hostName)_\(UUID().uuidString.lowercased())"
    }
}
