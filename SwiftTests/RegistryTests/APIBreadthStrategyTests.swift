import APIMachinery
import Testing
@testable import Registry

/// Defaults and validation of the kinds added for API breadth, against what a v1.32 server stores.
@Suite struct APIBreadthStrategyTests {
    func info(_ resource: String, _ group: String) throws -> ResourceInfo {
        try #require(Catalog.resources.first { $0.group == group && $0.resource == resource })
    }

    let podSpec = #"{"containers":[{"name":"c","image":"busybox"}],"restartPolicy":"Never"}"#
    let templateDefaults = #"{"containers":[{"image":"busybox","imagePullPolicy":"Always","name":"c","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Never","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}"#

    @Test func catalogHasTheKindClusterResources() {
        let preferred = Catalog.resources.filter { !($0.group == "autoscaling" && $0.version == "v1") }
        #expect(preferred.count == 58)
        #expect(Catalog.groups.first { $0.name == "autoscaling" }?.versions == ["v2", "v1"])
        let all = Set(Catalog.resources.filter { $0.categories.contains("all") }.map(\.resource))
        #expect(all == ["pods", "replicationcontrollers", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
                        "horizontalpodautoscalers", "cronjobs", "jobs"])
    }

    @Test func jobDefaultsSelectorAndLabels() throws {
        let s = JobStrategy(info: try info("jobs", "batch"))
        var job = try json(#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"hello","uid":"u1"},"spec":{"template":{"spec":\#(podSpec)}}}"#)
        s.applyDefaults(&job)
        s.prepareForCreate(&job)
        let labels: JSON = ["batch.kubernetes.io/controller-uid": "u1", "batch.kubernetes.io/job-name": "hello", "controller-uid": "u1", "job-name": "hello"]
        let expected = try json(#"""
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"hello","uid":"u1","generation":1},
         "spec":{"backoffLimit":6,"completionMode":"NonIndexed","completions":1,"parallelism":1,"podReplacementPolicy":"TerminatingOrFailed",
                 "selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1"}},"suspend":false,
                 "template":{"metadata":{"creationTimestamp":null},"spec":\#(templateDefaults)}},
         "status":{}}
        """#)
        var want = expected
        want[path: ["metadata", "labels"]] = labels
        want[path: ["spec", "template", "metadata", "labels"]] = labels
        #expect(job == want)
        #expect(s.validate(job).isEmpty)
    }

    @Test func jobRestartPolicyAndImmutableTemplate() throws {
        let s = JobStrategy(info: try info("jobs", "batch"))
        let job = created(try json(#"{"metadata":{"name":"j","uid":"u"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#), s)
        #expect(messages(s.validate(job)) == [#"spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never""#])
        var ok = job
        ok[path: ["spec", "template", "spec", "restartPolicy"]] = "Never"
        var changed = ok
        changed[path: ["spec", "template", "spec", "containers"]] = [["name": "c", "image": "y"]]
        #expect(messages(s.validateUpdate(changed, old: ok)).contains { $0.hasPrefix("spec.template: Invalid value:") && $0.hasSuffix("field is immutable") })
        var sel = ok
        sel[path: ["spec", "selector", "matchLabels", "x"]] = "y"
        #expect(messages(s.validateUpdate(sel, old: ok)).contains { $0.hasPrefix("spec.selector") })
    }

    @Test func cronJobDefaultsAndSchedule() throws {
        let s = CronJobStrategy(info: try info("cronjobs", "batch"))
        let cj = created(try json(#"{"metadata":{"name":"cj"},"spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":\#(podSpec)}}}}}"#), s)
        #expect(cj[path: ["spec", "concurrencyPolicy"]] == "Allow")
        #expect(cj[path: ["spec", "suspend"]] == false)
        #expect(cj[path: ["spec", "successfulJobsHistoryLimit"]] == 3)
        #expect(cj[path: ["spec", "failedJobsHistoryLimit"]] == 1)
        #expect(cj[path: ["spec", "jobTemplate", "spec", "template", "spec"]] == (try json(templateDefaults)))
        #expect(s.validate(cj).isEmpty)
        var bad = cj
        bad[path: ["spec", "schedule"]] = "61 * * * *"
        #expect(messages(s.validate(bad)).count == 1)
        bad[path: ["spec", "schedule"]] = "@hourly"
        #expect(s.validate(bad).isEmpty)
    }

    @Test func statefulSetDefaultsAndImmutability() throws {
        let s = StatefulSetStrategy(info: try info("statefulsets", "apps"))
        let sts = created(try json(#"{"metadata":{"name":"web"},"spec":{"serviceName":"web","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}},"volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}"#), s)
        #expect(sts[path: ["spec", "podManagementPolicy"]] == "OrderedReady")
        #expect(sts[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(sts[path: ["spec", "replicas"]] == 1)
        #expect(sts[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(sts[path: ["spec", "persistentVolumeClaimRetentionPolicy"]] == ["whenDeleted": "Retain", "whenScaled": "Retain"])
        #expect(sts[path: ["spec", "volumeClaimTemplates"]]?[0]?["spec"]?["volumeMode"] == "Filesystem")
        #expect(sts[path: ["spec", "volumeClaimTemplates"]]?[0]?["status"] == ["phase": "Pending"])
        #expect(sts["status"] == ["availableReplicas": 0, "replicas": 0])
        #expect(s.validate(sts).isEmpty)
        var moved = sts
        moved[path: ["spec", "serviceName"]] = "other"
        #expect(messages(s.validateUpdate(moved, old: sts)).first?.hasPrefix("spec: Forbidden: updates to statefulset spec for fields other than") == true)
        var scaled = sts
        scaled[path: ["spec", "replicas"]] = 3
        #expect(s.validateUpdate(scaled, old: sts).isEmpty)
    }

    @Test func daemonSetDefaults() throws {
        let s = DaemonSetStrategy(info: try info("daemonsets", "apps"))
        let ds = created(try json(#"{"metadata":{"name":"ds"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#), s)
        #expect(ds[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]])
        #expect(ds[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(s.validate(ds).isEmpty)
    }

    @Test func statefulSetContainersMountTheirClaimTemplates() throws {
        let s = StatefulSetStrategy(info: try info("statefulsets", "apps"))
        let sts = created(try json(#"{"metadata":{"name":"db"},"spec":{"serviceName":"db","selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x","volumeMounts":[{"name":"data","mountPath":"/data"}]}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}"#), s)
        #expect(s.validate(sts).isEmpty)
        var missing = sts
        missing[path: ["spec", "volumeClaimTemplates"]] = nil
        #expect(messages(s.validate(missing)).contains { $0.contains("volumeMounts[0].name: Not found: \"data\"") })
    }

    @Test func daemonSetTemplateGenerationFollowsTheTemplate() throws {
        let s = DaemonSetStrategy(info: try info("daemonsets", "apps"))
        let ds = created(try json(#"{"metadata":{"name":"ds"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#), s)
        let key = "deprecated.daemonset.template.generation"
        #expect(ds[path: ["metadata", "annotations", key]] == "1" && ds[path: ["metadata", "generation"]] == 1)
        var same = ds
        same[path: ["spec", "minReadySeconds"]] = 5
        same[path: ["metadata", "annotations", key]] = "9"
        s.prepareForUpdate(&same, old: ds)
        #expect(same[path: ["metadata", "annotations", key]] == "1" && same[path: ["metadata", "generation"]] == 2)
        var changed = same
        changed[path: ["spec", "template", "spec", "containers"]] = [["name": "c", "image": "y"]]
        s.prepareForUpdate(&changed, old: same)
        #expect(changed[path: ["metadata", "annotations", key]] == "2" && changed[path: ["metadata", "generation"]] == 3)
    }

    @Test func replicationControllerSelectorFromTemplate() throws {
        let s = ReplicationControllerStrategy(info: try info("replicationcontrollers", ""))
        let rc = created(try json(#"{"metadata":{"name":"rc"},"spec":{"template":{"metadata":{"labels":{"app":"rc"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}"#), s)
        #expect(rc[path: ["spec", "selector"]] == ["app": "rc"])
        #expect(rc[path: ["metadata", "labels"]] == ["app": "rc"])
        #expect(rc[path: ["spec", "replicas"]] == 1)
        #expect(s.validate(rc).isEmpty)
    }

    @Test func claimsAndVolumes() throws {
        let pvcS = PersistentVolumeClaimStrategy(info: try info("persistentvolumeclaims", ""))
        let pvc = created(try json(#"{"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}"#), pvcS)
        #expect(pvc[path: ["spec", "volumeMode"]] == "Filesystem")
        #expect(pvc["status"] == ["phase": "Pending"])
        #expect(pvcS.validate(pvc).isEmpty)
        var grown = pvc
        grown[path: ["spec", "resources", "requests", "storage"]] = "2Gi"
        #expect(pvcS.validateUpdate(grown, old: pvc).isEmpty)
        var modes = pvc
        modes[path: ["spec", "accessModes"]] = ["ReadWriteMany"]
        #expect(messages(pvcS.validateUpdate(modes, old: pvc)) == ["spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"])
        #expect(messages(pvcS.validate(created(try json(#"{"metadata":{"name":"c"},"spec":{}}"#), pvcS))) ==
                ["spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value"])

        let pvS = PersistentVolumeStrategy(info: try info("persistentvolumes", ""))
        let pv = created(try json(#"{"metadata":{"name":"pv"},"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp"}}}"#), pvS)
        #expect(pv[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Retain")
        #expect(pv[path: ["spec", "volumeMode"]] == "Filesystem")
        #expect(pv[path: ["status", "phase"]] == "Pending")
        #expect(pvS.validate(pv).isEmpty)

        let scS = StorageClassStrategy(info: try info("storageclasses", "storage.k8s.io"))
        let sc = created(try json(#"{"metadata":{"name":"sc"},"provisioner":"rancher.io/local-path"}"#), scS)
        #expect(sc["reclaimPolicy"] == "Delete")
        #expect(sc["volumeBindingMode"] == "Immediate")
        #expect(scS.validate(sc).isEmpty)
    }

    @Test func rbacDefaultsAndRoleRef() throws {
        let s = RoleBindingStrategy(info: try info("rolebindings", "rbac.authorization.k8s.io"))
        let rb = created(try json(#"{"metadata":{"name":"rb"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"jane"},{"kind":"ServiceAccount","name":"default","namespace":"default"}]}"#), s)
        #expect(rb[path: ["roleRef", "apiGroup"]] == "rbac.authorization.k8s.io")
        #expect(rb["subjects"]?[0]?["apiGroup"] == "rbac.authorization.k8s.io")
        #expect(rb["subjects"]?[1]?["apiGroup"] == "")
        #expect(s.validate(rb).isEmpty)
        var changed = rb
        changed[path: ["roleRef", "name"]] = "other"
        #expect(messages(s.validateUpdate(changed, old: rb)) ==
                [#"roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef"#])
        let role = RoleStrategy(info: try info("roles", "rbac.authorization.k8s.io"))
        #expect(messages(role.validate(try json(#"{"rules":[{"apiGroups":[""],"resources":["pods"]}]}"#))) ==
                ["rules[0].verbs: Required value: verbs must contain at least one value"])
    }

    @Test func networkingDefaults() throws {
        let np = NetworkPolicyStrategy(info: try info("networkpolicies", "networking.k8s.io"))
        let p1 = created(try json(#"{"metadata":{"name":"n"},"spec":{}}"#), np)
        #expect(p1["spec"] == ["podSelector": [:], "policyTypes": ["Ingress"]])
        let p2 = created(try json(#"{"metadata":{"name":"n"},"spec":{"egress":[{"ports":[{"port":53}]}]}}"#), np)
        #expect(p2[path: ["spec", "policyTypes"]] == ["Ingress", "Egress"])
        #expect(p2[path: ["spec", "egress"]]?[0]?["ports"]?[0]?["protocol"] == "TCP")
        let ing = IngressStrategy(info: try info("ingresses", "networking.k8s.io"))
        let bad = created(try json(#"{"metadata":{"name":"i"},"spec":{"rules":[{"http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}}"#), ing)
        #expect(messages(ing.validate(bad)) == ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"])
    }

    @Test func priorityClassesAndAutoscalers() throws {
        let pc = PriorityClassStrategy(info: try info("priorityclasses", "scheduling.k8s.io"))
        let high = created(try json(#"{"metadata":{"name":"high"},"value":1000}"#), pc)
        #expect(high["preemptionPolicy"] == "PreemptLowerPriority")
        #expect(pc.validate(high).isEmpty)
        #expect(messages(pc.validate(try json(#"{"metadata":{"name":"huge"},"value":2000000000}"#))) ==
                ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"])
        #expect(pc.validate(try json(#"{"metadata":{"name":"system-node-critical"},"value":2000001000}"#)).isEmpty)
        var changed = high
        changed["value"] = 5
        #expect(messages(pc.validateUpdate(changed, old: high)) == ["value: Forbidden: may not be changed in an update."])

        let hpa = HorizontalPodAutoscalerStrategy(info: try info("horizontalpodautoscalers", "autoscaling"))
        let h = created(try json(#"{"apiVersion":"autoscaling/v2","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":5}}"#), hpa)
        #expect(h[path: ["spec", "minReplicas"]] == 1)
        #expect(h[path: ["spec", "metrics"]]?[0]?["resource"]?["target"]?["averageUtilization"] == 80)
        #expect(hpa.validate(h).isEmpty)
    }

    @Test func hpaVersionsShareStorage() throws {
        let v1 = try #require(Catalog.lookup(group: "autoscaling", version: "v1", resource: "horizontalpodautoscalers"))
        let stored = StorageVersions.toStorage(try json(#"{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","spec":{"maxReplicas":3,"targetCPUUtilizationPercentage":50}}"#), v1)
        #expect(stored["apiVersion"] == "autoscaling/v2")
        #expect(stored[path: ["spec", "metrics"]]?[0]?["resource"]?["target"]?["averageUtilization"] == 50)
        let back = StorageVersions.fromStorage(stored, v1)
        #expect(back[path: ["spec", "targetCPUUtilizationPercentage"]] == 50)
        #expect(back[path: ["spec", "metrics"]] == nil)
        let ev = try #require(Catalog.lookup(group: "events.k8s.io", version: "v1", resource: "events"))
        #expect(StorageVersions.storageResource(ev) == "events")
        let core = StorageVersions.toStorage(try json(#"{"apiVersion":"events.k8s.io/v1","kind":"Event","note":"hi","regarding":{"kind":"Pod","name":"p"},"reportingController":"me"}"#), ev)
        #expect(core["message"] == "hi")
        #expect(core["involvedObject"] == ["kind": "Pod", "name": "p"])
        #expect(core["reportingComponent"] == "me")
    }

    @Test func limitRangeAndCSIDriverDefaults() throws {
        let lr = LimitRangeStrategy(info: try info("limitranges", ""))
        let l = created(try json(#"{"metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","max":{"cpu":"1"}}]}}"#), lr)
        #expect(l[path: ["spec", "limits"]]?[0] == ["type": "Container", "max": ["cpu": "1"], "default": ["cpu": "1"], "defaultRequest": ["cpu": "1"]])
        let bad = created(try json(#"""
            {"metadata":{"name":"l"},"spec":{"limits":[{"type":"Pod","default":{"cpu":"1"},"defaultRequest":{"cpu":"1"}},
             {"type":"Container"},{"type":"Container"},{"type":"PersistentVolumeClaim","max":{"cpu":"1"}}]}}
            """#), lr)
        #expect(messages(lr.validate(bad)) == [
            "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
            "spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
            "spec.limits[2].type: Duplicate value: \"Container\"",
            "spec.limits[3].limits: Required value: either minimum or maximum storage value is required, but neither was provided"])
        #expect(lr.validate(l).isEmpty)
        func dump(_ v: Int64, _ scale: Int, _ s: String, _ format: String = "DecimalSI") -> String {
            "resource.Quantity{i:resource.int64Amount{value:\(v), scale:\(scale)}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:\"\(s)\", Format:\"\(format)\"}"
        }
        let inverted = created(try json(#"{"metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","min":{"cpu":"2"},"max":{"cpu":"1"}}]}}"#), lr)
        #expect(messages(lr.validate(inverted)) == [
            "spec.limits[0].min[cpu]: Invalid value: \(dump(2, 0, "2")): min value 2 is greater than max value 1",
            "spec.limits[0].defaultRequest[cpu]: Invalid value: \(dump(1, 0, "1")): min value 2 is greater than default request value 1",
            "spec.limits[0].default[cpu]: Invalid value: \(dump(2, 0, "2")): min value 2 is greater than default value 1"])
        let orders = created(try json(#"""
            {"metadata":{"name":"l"},"spec":{"limits":[{"type":"Container","default":{"memory":"100Mi"},"defaultRequest":{"memory":"200Mi","cpu":"100m"},
             "max":{"cpu":"50m"},"maxLimitRequestRatio":{"cpu":"500m"}},
             {"type":"Pod","min":{"memory":"100Mi"},"max":{"memory":"200Mi"},"maxLimitRequestRatio":{"memory":"3"}},
             {"type":"example.com/thing","default":{"example.com/gpu":"2"},"defaultRequest":{"example.com/gpu":"1"}}]}}
            """#), lr)
        #expect(messages(lr.validate(orders)) == [
            "spec.limits[0].defaultRequest[cpu]: Invalid value: \(dump(100, -3, "100m")): default request value 100m is greater than max value 50m",
            "spec.limits[0].defaultRequest[cpu]: Invalid value: \(dump(100, -3, "100m")): default request value 100m is greater than default limit value 50m",
            "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: \(dump(500, -3, "500m")): ratio 500m is less than 1",
            "spec.limits[0].defaultRequest[memory]: Invalid value: \(dump(209715200, 0, "200Mi", "BinarySI")): default request value 200Mi is greater than default limit value 100Mi",
            "spec.limits[1].maxLimitRequestRatio[memory]: Invalid value: \(dump(3, 0, "3")): ratio 3 is greater than max/min = 2.000000",
            "spec.limits[2].defaultRequest[example.com/gpu]: Invalid value: \(dump(1, 0, "1")): default value 2 must equal to defaultRequest value 1 in example.com/gpu"])
        let csi = CSIDriverStrategy(info: try info("csidrivers", "storage.k8s.io"))
        let d = created(try json(#"{"metadata":{"name":"d"},"spec":{}}"#), csi)
        #expect(d["spec"] == ["attachRequired": true, "podInfoOnMount": false, "storageCapacity": false, "fsGroupPolicy": "ReadWriteOnceWithFSType",
                              "requiresRepublish": false, "seLinuxMount": false, "volumeLifecycleModes": ["Persistent"]])
    }
}
