import APIMachinery
import Client
import Foundation
import Logging

/// Scales workloads on their pods' CPU and memory (upstream's horizontal pod autoscaler controller,
/// `horizontalpodautoscaling`): every sync period each HPA reads its target's `scale`, the usage of the
/// pods the scale's selector picks from `metrics.k8s.io`, computes the replica count each metric asks
/// for (`ReplicaCalculator`), takes the largest, stabilizes and limits it (`ReplicaNormalization`),
/// writes the new size through the scale subresource, and reports status, conditions and Events.
///
/// Resource and ContainerResource metrics are computed; Pods, Object and External metrics need a custom
/// or external metrics API, which Skiff does not serve, and fail as upstream's do when none is registered.
public final class HorizontalPodAutoscalerController: Reconciler, Sendable {
    static let kind = "HorizontalPodAutoscaler"
    static let apiVersion = "autoscaling/v2"
    static let autoscalers = ResourcePath(group: "autoscaling", version: "v2", resource: "horizontalpodautoscalers")

    public struct Options: Sendable {
        /// `--horizontal-pod-autoscaler-sync-period`.
        public var syncPeriod: Duration = .seconds(15)
        /// `--horizontal-pod-autoscaler-downscale-stabilization`.
        public var downscaleStabilization: TimeInterval = 300
        public var calculator = ReplicaCalculator()
        public init() {}
    }

    let client: KubeClient
    let hpas: Informer
    let pods: Informer
    let metrics: any ResourceMetricsClient
    let scales: ScaleTargetClient
    let history = ScaleHistory()
    let options: Options
    let queue = WorkQueue<String>()
    let recorder: EventRecorder
    let logger: Logger
    let now: @Sendable () -> Date

    public init(client: KubeClient, informers: SharedInformers, metrics: (any ResourceMetricsClient)? = nil, recorder: EventRecorder,
                options: Options = Options(), logger: Logger = Logger(label: "horizontal-pod-autoscaler"),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.metrics = metrics ?? MetricsAPIClient(client: client)
        self.scales = ScaleTargetClient(client: client)
        self.recorder = recorder
        self.options = options
        self.logger = logger
        self.now = now
        hpas = informers.informer(Self.autoscalers)
        pods = informers.informer(.pods)
        let history = self.history
        hpas.addHandler(InformerHandlerFunctions(
            onAdd: { [weak self] hpa, _ in self?.queue.add(hpa.key) },
            onUpdate: { [weak self] old, new in
                // Status writes of our own come back as updates: only a spec change needs a sync now.
                if !Semantic.equal(old["spec"], new["spec"]) { self?.queue.add(new.key) }
            },
            onDelete: { d in if let k = d.key { history.forget(k) } }))
    }

    public func run(workers: Int) async {
        await ReconcileLoop(name: "horizontal-pod-autoscaler", queue: queue, reconciler: self, logger: logger)
            .run(workers: workers, informers: [hpas, pods])
    }

    public func reconcile(_ key: String) async throws {
        guard let hpa = hpas.store.get(key) else {
            history.forget(key)
            return
        }
        defer {
            // Level-triggered on a period: metrics change without any event.
            let period = options.syncPeriod
            queue.addAfter(key, period)
        }
        try await sync(hpa, key: key)
    }

    // MARK: Sync

    func event(_ hpa: JSON, warning: Bool = false, _ reason: String, _ message: String) {
        recorder.event(hpa, kind: Self.kind, apiVersion: Self.apiVersion, warning ? .warning : .normal, reason, message)
    }

    /// upstream's `reconcileAutoscaler`.
    func sync(_ hpa: JSON, key: String) async throws {
        let time = now()
        let spec = hpa["spec"] ?? [:]
        let ref = spec["scaleTargetRef"] ?? [:]
        let namespace = hpa.namespace
        let reference = "\(ref["kind"]?.string ?? "")/\(namespace)/\(ref["name"]?.string ?? "")"
        var conditions = HPAConditions(hpa[path: ["status", "conditions"]], now: time)
        var status = hpa["status"] ?? [:]

        let scalePath: String
        var scale: JSON
        do {
            scalePath = try await scales.path(ref, namespace: namespace)
            scale = try await scales.get(scalePath)
        } catch {
            event(hpa, warning: true, "FailedGetScale", "\(error)")
            conditions.set("AbleToScale", false, "FailedGetScale", "the HPA controller was unable to get the target's current scale: \(error)")
            status["conditions"] = .array(conditions.list)
            try await writeStatus(hpa, status)
            throw HPAError("failed to query scale subresource for \(reference): \(error)")
        }
        conditions.set("AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        let current = Int32(scale[path: ["spec", "replicas"]]?.int ?? 0)
        history.recordInitial(key, current: current, now: time)

        let minReplicas = Int32(spec["minReplicas"]?.int ?? 1)
        let maxReplicas = Int32(spec["maxReplicas"]?.int ?? 0)
        var desired: Int32 = 0
        var rescaleReason = ""
        var rescale = true
        var metricStatuses: [JSON]? = nil
        var retError: Error? = nil

        if current == 0 && minReplicas != 0 {
            desired = 0
            rescale = false
            conditions.set("ScalingActive", false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
        } else if current > maxReplicas {
            rescaleReason = "Current number of replicas above Spec.MaxReplicas"
            desired = maxReplicas
        } else if current < minReplicas {
            rescaleReason = "Current number of replicas below Spec.MinReplicas"
            desired = minReplicas
        } else {
            let computed = await computeReplicas(hpa, scale: scale, current: current, conditions: &conditions, now: time)
            metricStatuses = computed.statuses
            guard let proposal = computed.replicas else {
                try await writeStatus(hpa, Self.status(current: current, desired: Int32(status["desiredReplicas"]?.int ?? 0),
                                                       lastScaleTime: status["lastScaleTime"], metrics: computed.statuses, conditions: conditions))
                let message = computed.error.map { "\($0)" } ?? ""
                event(hpa, warning: true, "FailedComputeMetricsReplicas", message)
                throw HPAError("failed to compute desired number of replicas based on listed metrics for \(reference): \(message)")
            }
            retError = computed.error
            var rescaleMetric = ""
            if proposal > desired {
                desired = proposal
                rescaleMetric = computed.metric
            }
            if desired > current { rescaleReason = "\(rescaleMetric) above target" }
            if desired < current { rescaleReason = "All metrics below target" }
            let normalized: ReplicaNormalization
            if let behavior = spec["behavior"], behavior.isObject {
                normalized = ReplicaNormalization.normalize(
                    history: history, key: key, current: current, desired: desired, min: minReplicas, max: maxReplicas,
                    up: ScalingRules.scaleUp(behavior["scaleUp"]),
                    down: ScalingRules.scaleDown(behavior["scaleDown"], defaultWindow: Int32(options.downscaleStabilization)), now: time)
            } else {
                normalized = ReplicaNormalization.normalize(
                    history: history, key: key, current: current, desired: desired, min: minReplicas, max: maxReplicas,
                    downscaleWindow: options.downscaleStabilization, now: time)
            }
            conditions.set("AbleToScale", normalized.ableToScale.status, normalized.ableToScale.reason, normalized.ableToScale.message)
            conditions.set("ScalingLimited", normalized.scalingLimited.status, normalized.scalingLimited.reason, normalized.scalingLimited.message)
            desired = normalized.replicas
            rescale = desired != current
        }

        if rescale {
            scale[path: ["spec", "replicas"]] = .int(Int64(desired))
            do {
                try await scales.update(scalePath, scale)
            } catch {
                event(hpa, warning: true, "FailedRescale", "New size: \(desired); reason: \(rescaleReason); error: \(error)")
                conditions.set("AbleToScale", false, "FailedUpdateScale", "the HPA controller was unable to update the target scale: \(error)")
                try await writeStatus(hpa, Self.status(current: current, desired: Int32(status["desiredReplicas"]?.int ?? 0),
                                                       lastScaleTime: status["lastScaleTime"], metrics: metricStatuses, conditions: conditions))
                throw HPAError("failed to rescale \(reference): \(error)")
            }
            conditions.set("AbleToScale", true, "SucceededRescale", "the HPA controller was able to update the target scale to \(desired)")
            event(hpa, "SuccessfulRescale", "New size: \(desired); reason: \(rescaleReason)")
            if let behavior = spec["behavior"], behavior.isObject {
                history.storeScaleEvent(key, up: ScalingRules.scaleUp(behavior["scaleUp"]),
                                        down: ScalingRules.scaleDown(behavior["scaleDown"], defaultWindow: Int32(options.downscaleStabilization)),
                                        from: current, to: desired, now: time)
            }
            logger.info("successfully rescaled \(key): \(current) → \(desired), reason: \(rescaleReason)")
        } else {
            desired = current
        }

        try await writeStatus(hpa, Self.status(current: current, desired: desired,
                                               lastScaleTime: rescale ? .string(RFC3339.time(time)) : status["lastScaleTime"],
                                               metrics: metricStatuses, conditions: conditions))
        if let retError { throw retError }
    }

    /// upstream's `setStatus`: what it saw, what it wants, when it last scaled, the metrics and conditions.
    static func status(current: Int32, desired: Int32, lastScaleTime: JSON?, metrics: [JSON]?, conditions: HPAConditions) -> JSON {
        var s: JSON = ["currentReplicas": .int(Int64(current)), "desiredReplicas": .int(Int64(desired))]
        if let lastScaleTime, !lastScaleTime.isNull { s["lastScaleTime"] = lastScaleTime }
        if let metrics, !metrics.isEmpty { s["currentMetrics"] = .array(metrics) }
        if !conditions.list.isEmpty { s["conditions"] = .array(conditions.list) }
        return s
    }

    struct ComputedReplicas {
        /// nil when no metric could be computed (or some failed and the others would scale down).
        var replicas: Int32?
        var metric: String
        var statuses: [JSON]?
        var error: Error?
    }

    /// upstream's `computeReplicasForMetrics`: the largest proposal over the metrics.
    func computeReplicas(_ hpa: JSON, scale: JSON, current: Int32, conditions: inout HPAConditions, now: Date) async -> ComputedReplicas {
        let specs = hpa[path: ["spec", "metrics"]]?.array ?? []
        let selectorText = scale[path: ["status", "selector"]]?.string ?? ""
        if selectorText.isEmpty {
            event(hpa, warning: true, "SelectorRequired", "selector is required")
            conditions.set("ScalingActive", false, "InvalidSelector", "the HPA target's scale is missing a selector")
            return ComputedReplicas(replicas: nil, metric: "", statuses: nil, error: HPAError("selector is required"))
        }
        let selector: LabelSelector
        do {
            selector = try LabelSelector(parsing: selectorText)
        } catch {
            event(hpa, warning: true, "InvalidSelector", "couldn't convert selector into a corresponding internal selector object: \(error)")
            conditions.set("ScalingActive", false, "InvalidSelector", "the HPA target's scale has an invalid selector: \(error)")
            return ComputedReplicas(replicas: nil, metric: "", statuses: nil, error: HPAError("couldn't convert selector into a corresponding internal selector object: \(error)"))
        }
        let pods = ((try? self.pods.store.byIndex(Indexer.namespaceIndex, hpa.namespace)) ?? []).filter { selector.matches($0.labels) }
        var statuses: [JSON] = Array(repeating: ["type": ""], count: specs.count)
        var replicas: Int32 = 0
        var metricName = ""
        var invalid = 0
        var firstError: Error? = nil
        var firstCondition: (String, String)? = nil
        for (i, spec) in specs.enumerated() {
            do {
                let r = try await computeReplicas(for: spec, hpa: hpa, current: current, selector: selectorText, pods: pods, now: now)
                statuses[i] = r.status
                if replicas == 0 || r.replicas > replicas {
                    replicas = r.replicas
                    metricName = r.metric
                }
            } catch let failure as MetricFailure {
                event(hpa, warning: true, failure.reason, failure.inner)
                if invalid == 0 {
                    firstError = HPAError(failure.wrapped)
                    firstCondition = (failure.reason, "the HPA was unable to compute the replica count: \(failure.inner)")
                }
                invalid += 1
            } catch {
                if invalid == 0 { firstError = error; firstCondition = ("FailedGetResourceMetric", "the HPA was unable to compute the replica count: \(error)") }
                invalid += 1
            }
        }
        let wrapped = firstError.map { HPAError("invalid metrics (\(invalid) invalid out of \(specs.count)), first error is: \($0)") }
        if invalid >= specs.count || (invalid > 0 && replicas < current) {
            if let c = firstCondition { conditions.set("ScalingActive", false, c.0, c.1) }
            return ComputedReplicas(replicas: nil, metric: "", statuses: statuses, error: wrapped)
        }
        conditions.set("ScalingActive", true, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from \(metricName)")
        return ComputedReplicas(replicas: replicas, metric: metricName, statuses: statuses, error: wrapped)
    }

    /// A metric that could not be computed: the Event's reason, the error as the Event and condition
    /// show it, and as the aggregate error wraps it.
    struct MetricFailure: Error {
        var reason: String
        var inner: String
        var wrapped: String
    }

    struct MetricProposal {
        var replicas: Int32
        var metric: String
        var status: JSON
    }

    /// upstream's `computeReplicasForMetric` for one metric spec.
    func computeReplicas(for spec: JSON, hpa: JSON, current: Int32, selector: String, pods: [JSON], now: Date) async throws -> MetricProposal {
        let type = spec["type"]?.string ?? ""
        switch type {
        case "Resource", "ContainerResource":
            let key = type == "Resource" ? "resource" : "containerResource"
            let source = spec[key] ?? [:]
            let resource = source["name"]?.string ?? ""
            let container = type == "ContainerResource" ? source["container"]?.string : nil
            let target = source["target"] ?? [:]
            do {
                return try await resourceProposal(type: type, key: key, resource: resource, container: container, target: target,
                                                  namespace: hpa.namespace, current: current, selector: selector, pods: pods, now: now)
            } catch let e as HPAError {
                let reason = type == "Resource" ? "FailedGetResourceMetric" : "FailedGetContainerResourceMetric"
                let wrapped = type == "Resource" ? "failed to get \(resource) resource metric value: \(e)" : "failed to get \(resource) container metric value: \(e)"
                throw MetricFailure(reason: reason, inner: e.description, wrapped: wrapped)
            }
        case "Pods", "Object", "External":
            let key = type.lowercased()
            let name = spec[path: [key, "metric", "name"]]?.string ?? ""
            let api = type == "External" ? "external metrics API" : "custom metrics API"
            let group = type == "External" ? "external.metrics.k8s.io" : "custom.metrics.k8s.io"
            let inner = "unable to get metric \(name): unable to fetch metrics from \(api): no \(api) (\(group)) registered"
            let wrapped = type == "Pods" ? "failed to get pods metric value: \(inner)"
                : (type == "Object" ? "failed to get object metric value: \(inner)" : "failed to get external metric value: \(inner)")
            throw MetricFailure(reason: "FailedGet\(type == "Pods" ? "Pods" : type)Metric", inner: inner, wrapped: wrapped)
        default:
            let inner = "unknown metric source type \(GoQuoting.quote(type))"
            throw MetricFailure(reason: "InvalidMetricSourceType", inner: inner, wrapped: inner)
        }
    }

    /// upstream's `computeStatusForResourceMetricGeneric`.
    func resourceProposal(type: String, key: String, resource: String, container: String?, target: JSON, namespace: String,
                          current: Int32, selector: String, pods: [JSON], now: Date) async throws -> MetricProposal {
        func status(_ current: JSON) -> JSON {
            var source: JSON = ["name": .string(resource), "current": current]
            if let container { source["container"] = .string(container) }
            var s: JSON = ["type": .string(type)]
            s[key] = source
            return s
        }
        if let average = target["averageValue"], !average.isNull {
            let targetMilli = (try? Quantity(json: average))?.milliValue ?? 0
            let info: PodMetricsInfo
            do {
                info = try await metrics.resourceMetric(resource, namespace: namespace, selector: selector, container: container)
            } catch {
                throw HPAError("failed to get \(resource) usage: unable to get metrics for resource \(resource): \(error)")
            }
            do {
                let r = try options.calculator.replicas(current: current, targetAverageValue: targetMilli, resource: resource, metrics: info, pods: pods, now: now)
                return MetricProposal(replicas: r.replicas, metric: "\(resource) resource",
                                      status: status(["averageValue": .string(Quantity(milli: r.usage).description)]))
            } catch {
                throw HPAError("failed to get \(resource) usage: \(error)")
            }
        }
        guard let utilization = target["averageUtilization"]?.int else {
            throw HPAError("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
        }
        let info: PodMetricsInfo
        do {
            info = try await metrics.resourceMetric(resource, namespace: namespace, selector: selector, container: container)
        } catch {
            throw HPAError("failed to get \(resource) utilization: unable to get metrics for resource \(resource): \(error)")
        }
        do {
            let r = try options.calculator.replicas(current: current, targetUtilization: Int32(utilization), resource: resource, container: container,
                                                    metrics: info, pods: pods, now: now)
            let name = type == "ContainerResource" ? "\(resource) container resource utilization (percentage of request)"
                : "\(resource) resource utilization (percentage of request)"
            return MetricProposal(replicas: r.replicas, metric: name,
                                  status: status(["averageValue": .string(Quantity(milli: r.rawUtilization).description),
                                                  "averageUtilization": .int(Int64(r.utilization))]))
        } catch {
            throw HPAError("failed to get \(resource) utilization: \(error)")
        }
    }

    /// Writes the status when it changed (upstream's `updateStatusIfNeeded`).
    func writeStatus(_ hpa: JSON, _ status: JSON) async throws {
        if Semantic.equal(hpa["status"], status) { return }
        var next = hpa
        next["status"] = status
        try await client.update(Self.autoscalers.inNamespace(hpa.namespace), next, subresource: "status")
    }
}
