import APIMachinery
import Foundation
import Testing
@testable import Printers

/// Columns and cells of the printers added for API breadth.
@Suite struct APIBreadthPrinterTests {
    func created(_ text: String, ago seconds: Int = 120) -> JSON {
        var o = object(text)
        o[path: ["metadata", "creationTimestamp"]] = ago(seconds)
        return o
    }

    @Test func job() {
        let p = JobPrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"])
        var j = created(#"{"metadata":{"name":"hello"},"spec":{"completions":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u"}},"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}},"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}"#)
        j[path: ["status", "startTime"]] = ago(100)
        j[path: ["status", "completionTime"]] = ago(95)
        #expect(p.cells(for: j, now: now) == ["hello", "Complete", "1/1", "5s", "2m", "c", "busybox", "batch.kubernetes.io/controller-uid=u"])
        let running = created(#"{"metadata":{"name":"p"},"spec":{"parallelism":3},"status":{}}"#)
        #expect(Array(p.cells(for: running, now: now)[1...3]) == ["Running", "0/1 of 3", ""])
    }

    @Test func cronJobAndStatefulSetAndDaemonSet() {
        let cj = created(#"{"metadata":{"name":"cj"},"spec":{"schedule":"*/5 * * * *","suspend":false,"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}}},"status":{}}"#)
        #expect(CronJobPrinter().columnDefinitions.map(\.name) == ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"])
        #expect(CronJobPrinter().cells(for: cj, now: now) == ["cj", "*/5 * * * *", "<none>", "False", 0, "<none>", "2m", "c", "i", "<none>"])
        let sts = created(#"{"metadata":{"name":"web"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx"}]}}},"status":{"readyReplicas":2}}"#)
        #expect(StatefulSetPrinter().cells(for: sts, now: now) == ["web", "2/3", "2m", "nginx", "nginx"])
        let ds = created(#"{"metadata":{"name":"ds"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"c","image":"i"}]}}},"status":{"desiredNumberScheduled":2,"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":1}}"#)
        #expect(DaemonSetPrinter().cells(for: ds, now: now) == ["ds", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "2m", "c", "i", "a=b"])
    }

    @Test func storage() {
        let pvc = created(#"{"metadata":{"name":"claim"},"spec":{"volumeMode":"Filesystem","storageClassName":"standard"},"status":{"phase":"Pending"}}"#)
        #expect(PersistentVolumeClaimPrinter().cells(for: pvc, now: now) == ["claim", "Pending", "", "", "", "standard", "<unset>", "2m", "Filesystem"])
        let bound = created(#"{"metadata":{"name":"claim"},"spec":{"volumeName":"pv1"},"status":{"phase":"Bound","accessModes":["ReadWriteMany","ReadWriteOnce"],"capacity":{"storage":"5Gi"}}}"#)
        #expect(Array(PersistentVolumeClaimPrinter().cells(for: bound, now: now)[0...4]) == ["claim", "Bound", "pv1", "5Gi", "RWO,RWX"])
        let pv = created(#"{"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Retain","claimRef":{"namespace":"default","name":"claim"},"volumeMode":"Filesystem"},"status":{"phase":"Bound"}}"#)
        #expect(PersistentVolumePrinter().cells(for: pv, now: now) == ["pv1", "5Gi", "RWO", "Retain", "Bound", "default/claim", "", "<unset>", "", "2m", "Filesystem"])
        let sc = created(#"{"metadata":{"name":"standard","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"rancher.io/local-path","reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer"}"#)
        #expect(StorageClassPrinter().cells(for: sc, now: now) == ["standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "2m"])
    }

    @Test func rbacNetworkingPolicy() {
        let rb = created(#"{"metadata":{"name":"rb"},"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[{"kind":"User","name":"jane"},{"kind":"Group","name":"devs"},{"kind":"ServiceAccount","name":"sa","namespace":"ns"}]}"#)
        #expect(RoleBindingPrinter().cells(for: rb, now: now) == ["rb", "ClusterRole/view", "2m", "jane", "devs", "ns/sa"])
        let ing = created(#"{"metadata":{"name":"ing"},"spec":{"ingressClassName":"nginx","tls":[{}],"rules":[{"host":"a"},{"host":"b"},{"host":"c"},{"host":"d"}]},"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}}"#)
        #expect(IngressPrinter().cells(for: ing, now: now) == ["ing", "nginx", "a,b,c + 1 more...", "10.0.0.1", "80, 443", "2m"])
        let np = created(#"{"metadata":{"name":"np"},"spec":{"podSelector":{"matchLabels":{"app":"web"}}}}"#)
        #expect(NetworkPolicyPrinter().cells(for: np, now: now) == ["np", "app=web", "2m"])
        let hpa = created(#"{"apiVersion":"autoscaling/v2","metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":5,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]},"status":{"currentReplicas":2,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":12}}}]}}"#)
        #expect(HorizontalPodAutoscalerPrinter().cells(for: hpa, now: now) == ["h", "Deployment/web", "cpu: 12%/80%", "1", 5, 2, "2m"])
        let pdb = created(#"{"metadata":{"name":"pdb"},"spec":{"maxUnavailable":"25%"},"status":{"disruptionsAllowed":1}}"#)
        #expect(PodDisruptionBudgetPrinter().cells(for: pdb, now: now) == ["pdb", "N/A", "25%", 1, "2m"])
        let pc = created(#"{"metadata":{"name":"high"},"value":1000,"preemptionPolicy":"PreemptLowerPriority"}"#)
        #expect(PriorityClassPrinter().cells(for: pc, now: now) == ["high", 1000, false, "PreemptLowerPriority", "2m"])
        #expect(tablePrinter(group: "rbac.authorization.k8s.io", resource: "roles").columnDefinitions.map(\.name) == ["Name", "Created At"])
    }
}
