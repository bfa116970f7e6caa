import Client

/// The names controllers' queues report their metrics under: upstream's `workqueue.*QueueConfig{Name:}`
/// for each controller (what dashboards filter `workqueue_depth{name=...}` by), keyed by the name Skiff's
/// `ReconcileLoop` logs with. A loop not listed reports under its own name.
enum WorkQueueNames {
    static let upstream: [String: String] = [
        "deployment": "deployment", "replicaset": "replicaset", "replicationcontroller": "replicationmanager",
        "statefulset": "statefulset", "daemonset": "daemonset", "job": "job", "cronjob": "cronjob",
        "endpoints": "endpoint", "endpointslice": "endpoint_slice", "serviceaccount": "serviceaccount",
        "root-ca-cert-publisher": "root_ca_cert_publisher", "garbagecollector": "garbage_collector_attempt_to_delete",
        "nodelifecycle": "node_lifecycle_controller", "disruption": "disruption", "resourcequota": "resource_quota_primary",
        "ttlafterfinished": "ttl_jobs_to_delete", "horizontal-pod-autoscaler": "horizontalpodautoscaler",
        "persistentvolume-binder": "claims", "pvc-protection": "pvcprotection", "pv-protection": "pvprotection",
        "ephemeral-volume": "ephemeral_volume", "clusterrole-aggregation": "ClusterRoleAggregator", "service-lb": "service",
    ]

    static func metricsName(forLoop loop: String) -> String { upstream[loop] ?? loop }

    /// The controller manager's provider for the queues of the controllers it runs: bound around their
    /// `run()` so that each `ReconcileLoop` instruments its queue without every controller's initializer
    /// taking one more argument. Nil (the default, and in tests) instruments nothing.
    @TaskLocal static var provider: (any WorkQueueMetricsProvider)? = nil
}
