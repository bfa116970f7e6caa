import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct WorkloadPrinterTests {
    func deployment(selector: String) -> JSON {
        var d = object("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
             "spec":{"replicas":3,"selector":\(selector),
               "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},{"name":"log","image":"busybox"}]}}},
             "status":{"replicas":3,"updatedReplicas":3,"readyReplicas":2,"availableReplicas":2}}
            """)
        d[path: ["metadata", "creationTimestamp"]] = ago(90 * 60)
        return d
    }

    @Test func deploymentWithSelector() {
        let printer = DeploymentPrinter()
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"])
        #expect(printer.columnDefinitions.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1])
        let cells = printer.cells(for: deployment(selector: #"{"matchLabels":{"app":"web"}}"#), now: now)
        #expect(cells == ["web", "2/3", 3, 2, "90m", "nginx,log", "nginx:1.27,busybox", "app=web"])
    }

    @Test func deploymentSelectorForms() {
        let printer = DeploymentPrinter()
        let expressions = deployment(selector: #"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe","be"]},{"key":"canary","operator":"DoesNotExist"}]}"#)
        #expect(printer.cells(for: expressions, now: now)[7] == "app=web,!canary,tier in (be,fe)")
        #expect(printer.cells(for: deployment(selector: "{}"), now: now)[7] == "")
        #expect(printer.cells(for: deployment(selector: "null"), now: now)[7] == "")
        #expect(printer.cells(for: deployment(selector: #"{"matchExpressions":[{"key":"a","operator":"Bogus"}]}"#), now: now)[7] == "<invalid>")
    }

    @Test func replicaSet() {
        var rs = object("""
            {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-5d8f"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"5d8f"}},
               "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}},
             "status":{"replicas":3,"readyReplicas":1}}
            """)
        rs[path: ["metadata", "creationTimestamp"]] = ago(30)
        let printer = ReplicaSetPrinter()
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"])
        #expect(printer.columnDefinitions[1...3].allSatisfy { $0.type == "integer" })
        #expect(printer.cells(for: rs, now: now) == ["web-5d8f", 3, 3, 1, "30s", "nginx", "nginx:1.27", "app=web,pod-template-hash=5d8f"])
        rs[path: ["spec", "selector"]] = [:]
        #expect(printer.cells(for: rs, now: now)[7] == "<none>")
        rs[path: ["spec", "selector"]] = ["matchLabels": ["bad key": "x"]]
        #expect(printer.cells(for: rs, now: now)[7] == "<error>")
    }
}

@Suite struct SimplePrinterTests {
    func meta(_ kind: String, _ name: String, _ extra: String = "") -> JSON {
        var o = object(#"{"kind":"\#(kind)","metadata":{"name":"\#(name)"}\#(extra)}"#)
        o[path: ["metadata", "creationTimestamp"]] = ago(2 * 86_400 + 3600)
        return o
    }

    @Test func namespace() {
        let p = NamespacePrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Status", "Age"])
        #expect(p.cells(for: meta("Namespace", "default", #","status":{"phase":"Active"}"#), now: now) == ["default", "Active", "2d1h"])
    }

    @Test func configMap() {
        let p = ConfigMapPrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Data", "Age"])
        #expect(p.cells(for: meta("ConfigMap", "cfg", #","data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}"#), now: now) == ["cfg", 3, "2d1h"])
        #expect(p.cells(for: meta("ConfigMap", "empty"), now: now)[1] == 0)
    }

    @Test func secret() {
        let p = SecretPrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Type", "Data", "Age"])
        #expect(p.cells(for: meta("Secret", "tls", #","type":"kubernetes.io/tls","data":{"tls.crt":"eA==","tls.key":"eA=="}"#), now: now) == ["tls", "kubernetes.io/tls", 2, "2d1h"])
        #expect(p.cells(for: meta("Secret", "s", #","type":"Opaque","data":{"a":"eA=="},"stringData":{"a":"y","b":"z"}"#), now: now)[2] == 2)
    }

    @Test func serviceAccount() {
        let p = ServiceAccountPrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Secrets", "Age"])
        #expect(p.cells(for: meta("ServiceAccount", "default"), now: now) == ["default", 0, "2d1h"])
        #expect(p.cells(for: meta("ServiceAccount", "ci", #","secrets":[{"name":"ci-token"}]"#), now: now)[1] == 1)
    }

    @Test func lease() {
        let p = LeasePrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Holder", "Age"])
        #expect(p.cells(for: meta("Lease", "kube-scheduler", #","spec":{"holderIdentity":"cp_1234"}"#), now: now) == ["kube-scheduler", "cp_1234", "2d1h"])
        #expect(p.cells(for: meta("Lease", "free"), now: now)[1] == "")
    }

    @Test func defaultPrinter() {
        let p = DefaultTablePrinter()
        #expect(p.columnDefinitions.map(\.name) == ["Name", "Created At"])
        #expect(p.columnDefinitions[1].type == "date")
        var o = meta("Binding", "b")
        o[path: ["metadata", "creationTimestamp"]] = "2024-04-30T13:30:05+02:00"
        #expect(p.cells(for: o, now: now) == ["b", "2024-04-30T11:30:05Z"])
        o[path: ["metadata", "creationTimestamp"]] = nil
        #expect(p.cells(for: o, now: now) == ["b", "0001-01-01T00:00:00Z"])
    }
}

@Suite struct EventPrinterTests {
    let printer = EventPrinter()

    @Test func columns() {
        #expect(printer.columnDefinitions.map(\.name) == ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"])
        #expect(printer.columnDefinitions.map(\.priority) == [0, 0, 0, 0, 1, 1, 0, 1, 1, 1])
        #expect(printer.columnDefinitions[9].format == "name")
    }

    @Test func coreEvent() {
        var e = object("""
            {"kind":"Event","metadata":{"name":"web.17c8a"},"type":"Warning","reason":"BackOff","count":7,
             "message":"  Back-off restarting failed container app  \\n",
             "involvedObject":{"kind":"Pod","name":"web","fieldPath":"spec.containers{app}"},
             "source":{"component":"kubelet","host":"kind-worker"}}
            """)
        e["firstTimestamp"] = ago(3600)
        e["lastTimestamp"] = ago(20)
        #expect(printer.cells(for: e, now: now) == [
            "20s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, kind-worker",
            "Back-off restarting failed container app", "60m", 7, "web.17c8a",
        ])
    }

    @Test func newStyleEventWithSeriesAndReporting() {
        let e = object("""
            {"kind":"Event","metadata":{"name":"n.1"},"type":"Normal","reason":"Scheduled","message":"ok",
             "eventTime":"2024-05-01T11:59:00.123456Z","reportingComponent":"default-scheduler","reportingInstance":"",
             "involvedObject":{"kind":"Node"},"series":{"count":5,"lastObservedTime":"2024-05-01T11:59:50.000000Z"}}
            """)
        // 59.88s since eventTime truncates to "59s", as Go's int(d.Seconds()) does.
        #expect(printer.cells(for: e, now: now) == ["10s", "Normal", "Scheduled", "node", "", "default-scheduler", "ok", "59s", 5, "n.1"])
    }

    @Test func singletonWithoutTimes() {
        let e = object(#"{"kind":"Event","metadata":{"name":"x"},"involvedObject":{"kind":"Pod","name":"p"}}"#)
        let cells = printer.cells(for: e, now: now)
        #expect(cells[0] == "<unknown>")
        #expect(cells[7] == "<unknown>")
        #expect(cells[8] == 1)
    }
}
