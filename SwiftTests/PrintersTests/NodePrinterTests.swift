import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct NodePrinterTests {
    let printer = NodePrinter()

    func node(_ name: String, labels: String = "{}", spec: String = "{}", status: String, createdAgo: Int) -> JSON {
        var n = object(#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"\#(name)","labels":\#(labels)}}"#)
        n[path: ["metadata", "creationTimestamp"]] = ago(createdAgo)
        n["spec"] = object(spec)
        n["status"] = object(status)
        return n
    }

    @Test func columns() {
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"])
        #expect(printer.columnDefinitions.filter { $0.priority == 1 }.count == 5)
    }

    @Test func readyControlPlane() {
        let n = node("kind-control-plane",
                     labels: #"{"node-role.kubernetes.io/control-plane":"","kubernetes.io/hostname":"kind-control-plane"}"#,
                     status: """
            {"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
             "addresses":[{"type":"InternalIP","address":"172.18.0.2"},{"type":"Hostname","address":"kind-control-plane"}],
             "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian GNU/Linux 12 (bookworm)","kernelVersion":"6.1.0-18-amd64","containerRuntimeVersion":"containerd://1.7.24"}}
            """, createdAgo: 3 * 86_400 + 4 * 3600)
        #expect(strings(printer.cells(for: n, now: now)) == [
            "kind-control-plane", "Ready", "control-plane", "3d4h", "v1.32.0", "172.18.0.2", "<none>",
            "Debian GNU/Linux 12 (bookworm)", "6.1.0-18-amd64", "containerd://1.7.24",
        ])
    }

    @Test func notReadyCordonedNode() {
        let n = node("w1", spec: #"{"unschedulable":true}"#, status: #"{"conditions":[{"type":"Ready","status":"Unknown"}]}"#, createdAgo: 50)
        #expect(strings(printer.cells(for: n, now: now)) == [
            "w1", "NotReady,SchedulingDisabled", "<none>", "50s", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>",
        ])
        let falseReady = node("w2", status: #"{"conditions":[{"type":"Ready","status":"False"}]}"#, createdAgo: 50)
        #expect(printer.cells(for: falseReady, now: now)[1] == "NotReady")
    }

    @Test func noReadyConditionIsUnknown() {
        let n = node("new", status: "{}", createdAgo: 1)
        #expect(printer.cells(for: n, now: now)[1] == "Unknown")
        let cordoned = node("new", spec: #"{"unschedulable":true}"#, status: "{}", createdAgo: 1)
        #expect(printer.cells(for: cordoned, now: now)[1] == "Unknown,SchedulingDisabled")
    }

    @Test func rolesFromBothLabelStyles() {
        let n = node("w", labels: #"{"node-role.kubernetes.io/infra":"","kubernetes.io/role":"worker","node-role.kubernetes.io/":"x","node-role.kubernetes.io/worker":"true"}"#,
                     status: #"{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"ExternalIP","address":"203.0.113.9"}]}"#, createdAgo: 1)
        let cells = strings(printer.cells(for: n, now: now))
        #expect(cells[2] == "infra,worker")
        #expect(cells[5...6] == ["<none>", "203.0.113.9"])
    }
}
