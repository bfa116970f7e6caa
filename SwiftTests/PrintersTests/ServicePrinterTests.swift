import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct ServicePrinterTests {
    let printer = ServicePrinter()

    func service(_ name: String, spec: String, status: String = "{}") -> JSON {
        var s = object(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"\#(name)","namespace":"default"}}"#)
        s[path: ["metadata", "creationTimestamp"]] = ago(7200)
        s["spec"] = object(spec)
        s["status"] = object(status)
        return s
    }

    @Test func columns() {
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        #expect(printer.columnDefinitions.map(\.priority) == [0, 0, 0, 0, 0, 0, 1])
    }

    @Test func nodePortService() {
        let s = service("web", spec: """
            {"type":"NodePort","clusterIP":"10.96.100.1","clusterIPs":["10.96.100.1"],"selector":{"tier":"fe","app":"web"},
             "ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080,"protocol":"TCP"},
                      {"name":"dns","port":53,"nodePort":30053,"protocol":"UDP"}]}
            """)
        #expect(strings(printer.cells(for: s, now: now)) == ["web", "NodePort", "10.96.100.1", "<none>", "80:30080/TCP,53:30053/UDP", "120m", "app=web,tier=fe"])
    }

    @Test func clusterIPAndHeadless() {
        let c = service("api", spec: #"{"type":"ClusterIP","clusterIPs":["10.96.0.10"],"ports":[{"port":443,"protocol":"TCP"}],"externalIPs":["192.0.2.1","192.0.2.2"]}"#)
        #expect(strings(printer.cells(for: c, now: now)) == ["api", "ClusterIP", "10.96.0.10", "192.0.2.1,192.0.2.2", "443/TCP", "120m", "<none>"])
        let headless = service("db", spec: #"{"type":"ClusterIP","clusterIP":"None"}"#)
        #expect(strings(printer.cells(for: headless, now: now))[2...4] == ["None", "<none>", "<none>"])
        let unallocated = service("x", spec: #"{"type":"ClusterIP"}"#)
        #expect(printer.cells(for: unallocated, now: now)[2] == "<none>")
    }

    @Test func loadBalancer() {
        let pending = service("lb", spec: #"{"type":"LoadBalancer","clusterIPs":["10.96.1.1"],"ports":[{"port":80,"nodePort":31000,"protocol":"TCP"}]}"#)
        #expect(printer.cells(for: pending, now: now)[3] == "<pending>")
        let ready = service("lb", spec: #"{"type":"LoadBalancer"}"#,
                            status: #"{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"},{"hostname":"lb.example.com"},{"ip":"198.51.100.2"}]}}"#)
        #expect(printer.cells(for: ready, now: now)[3] == "198.51.100.2,198.51.100.7,lb.example.com")
        let both = service("lb", spec: #"{"type":"LoadBalancer","externalIPs":["192.0.2.9"]}"#,
                           status: #"{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"}]}}"#)
        #expect(printer.cells(for: both, now: now)[3] == "198.51.100.7,192.0.2.9")
    }

    @Test func externalNameAndUnknownType() {
        let ext = service("ext", spec: #"{"type":"ExternalName","externalName":"db.example.com"}"#)
        #expect(strings(printer.cells(for: ext, now: now))[1...3] == ["ExternalName", "<none>", "db.example.com"])
        let odd = service("odd", spec: "{}")
        #expect(printer.cells(for: odd, now: now)[3] == "<unknown>")
    }
}
