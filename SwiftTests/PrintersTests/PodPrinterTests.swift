import APIMachinery
import Foundation
import Testing
@testable import Printers

@Suite struct PodPrinterTests {
    let printer = PodPrinter()

    @Test func columns() {
        #expect(printer.columnDefinitions.map(\.name) == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        #expect(printer.columnDefinitions.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(printer.columnDefinitions[0].format == "name")
        #expect(printer.columnDefinitions.allSatisfy { $0.type == "string" })
    }

    @Test func runningPod() {
        let p = pod("web", status: """
            {"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],
             "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}],
             "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"2024-05-01T11:55:05Z"}}}]}
            """)
        var withNode = p
        withNode[path: ["spec", "nodeName"]] = "kind-worker"
        #expect(strings(printer.cells(for: withNode, now: now)) == ["web", "1/1", "Running", "0", "5m", "10.244.1.5", "kind-worker", "<none>", "<none>"])
        #expect(printer.conditions(for: p).isEmpty)
    }

    @Test func pendingUnscheduledPod() {
        let p = pod("pending", createdAgo: 12, status: """
            {"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable"}]}
            """)
        #expect(strings(printer.cells(for: p, now: now)) == ["pending", "0/1", "Pending", "0", "12s", "<none>", "<none>", "<none>", "<none>"])
    }

    @Test func containerCreating() {
        let p = pod("c", status: """
            {"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}
            """)
        #expect(printer.cells(for: p, now: now)[2] == "ContainerCreating")
    }

    @Test func crashLoopingPodShowsLastRestart() {
        let p = pod("crash", createdAgo: 900, status: """
            {"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
             "containerStatuses":[{"name":"app","ready":false,"restartCount":4,
               "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 1m20s"}},
               "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"2024-05-01T11:58:00Z"}}}]}
            """)
        let cells = strings(printer.cells(for: p, now: now))
        #expect(cells[1] == "0/1")
        #expect(cells[2] == "CrashLoopBackOff")
        #expect(cells[3] == "4 (2m ago)")
        #expect(cells[4] == "15m")
    }

    @Test func restartsWithoutATerminationTimeHaveNoAgo() {
        let p = pod("r", status: """
            {"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":2,"state":{"running":{}}}]}
            """)
        #expect(printer.cells(for: p, now: now)[3] == "2")
    }

    @Test func terminatingPod() {
        let p = pod("t", status: """
            {"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}
            """, deletion: ago(3))
        #expect(printer.cells(for: p, now: now)[2] == "Terminating")
    }

    @Test func terminalPodsAreNotTerminating() {
        let p = pod("f", status: """
            {"phase":"Failed","containerStatuses":[{"name":"app","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":2,"reason":"Error"}}}]}
            """, deletion: ago(3))
        #expect(printer.cells(for: p, now: now)[2] == "Error")
        #expect(printer.conditions(for: p) == [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]])
    }

    @Test func nodeLostPodIsUnknown() {
        let p = pod("lost", status: #"{"phase":"Running","reason":"NodeLost"}"#, deletion: ago(3))
        #expect(printer.cells(for: p, now: now)[2] == "Unknown")
    }

    @Test func completedPod() {
        let p = pod("job-abc", status: """
            {"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,
              "state":{"terminated":{"exitCode":0,"reason":"Completed","finishedAt":"2024-05-01T11:59:00Z"}}}]}
            """)
        let cells = strings(printer.cells(for: p, now: now))
        #expect(cells[1] == "0/1")
        #expect(cells[2] == "Completed")
        #expect(printer.conditions(for: p) == [["type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."]])
    }

    @Test func terminatedWithoutReason() {
        let signal = pod("s", status: """
            {"phase":"Running","containerStatuses":[{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":137,"signal":9}}}]}
            """)
        #expect(printer.cells(for: signal, now: now)[2] == "Signal:9")
        let exit = pod("e", status: """
            {"phase":"Running","containerStatuses":[{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":3}}}]}
            """)
        #expect(printer.cells(for: exit, now: now)[2] == "ExitCode:3")
    }

    @Test func firstContainersReasonWins() {
        let p = pod("two", spec: #"{"containers":[{"name":"a"},{"name":"b"}]}"#, status: """
            {"phase":"Pending","containerStatuses":[
              {"name":"a","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ErrImagePull"}}},
              {"name":"b","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}
            """)
        #expect(strings(printer.cells(for: p, now: now))[1...2] == ["0/2", "ErrImagePull"])
    }

    @Test func completedContainerNextToARunningOne() {
        let status = """
            {"phase":"Running","conditions":[CONDITIONS],"containerStatuses":[
              {"name":"a","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
              {"name":"b","ready":true,"restartCount":0,"state":{"running":{}}}]}
            """
        let spec = #"{"containers":[{"name":"a"},{"name":"b"}]}"#
        let ready = pod("x", spec: spec, status: status.replacingOccurrences(of: "CONDITIONS", with: #"{"type":"Ready","status":"True"}"#))
        #expect(strings(printer.cells(for: ready, now: now))[1...2] == ["1/2", "Running"])
        let notReady = pod("x", spec: spec, status: status.replacingOccurrences(of: "CONDITIONS", with: #"{"type":"Ready","status":"False"}"#))
        #expect(strings(printer.cells(for: notReady, now: now))[1...2] == ["1/2", "NotReady"])
    }

    @Test func initContainers() {
        let spec = #"{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"app"}]}"#
        let progress = pod("i", spec: spec, status: """
            {"phase":"Pending","conditions":[{"type":"Initialized","status":"False"}],
             "initContainerStatuses":[
              {"name":"i1","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
              {"name":"i2","restartCount":0,"state":{"running":{}}}],
             "containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}
            """)
        #expect(strings(printer.cells(for: progress, now: now))[1...2] == ["0/1", "Init:1/2"])

        let waiting = pod("i", spec: spec, status: """
            {"phase":"Pending","initContainerStatuses":[
              {"name":"i1","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
               "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-05-01T11:59:30Z"}}}]}
            """)
        #expect(strings(printer.cells(for: waiting, now: now))[2...3] == ["Init:CrashLoopBackOff", "3 (30s ago)"])

        let failed = pod("i", spec: spec, status: """
            {"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":0,"state":{"terminated":{"exitCode":1}}}]}
            """)
        #expect(printer.cells(for: failed, now: now)[2] == "Init:ExitCode:1")
        let failedReason = pod("i", spec: spec, status: """
            {"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":0,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}
            """)
        #expect(printer.cells(for: failedReason, now: now)[2] == "Init:Error")
        let podInitializing = pod("i", spec: spec, status: """
            {"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}
            """)
        #expect(printer.cells(for: podInitializing, now: now)[2] == "Init:0/2")
    }

    @Test func sidecarCountsTowardsReady() {
        let spec = #"{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]}"#
        let p = pod("sc", spec: spec, status: """
            {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
             "initContainerStatuses":[{"name":"proxy","ready":true,"started":true,"restartCount":1,"state":{"running":{}},
               "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-05-01T11:00:00Z"}}}],
             "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}
            """)
        #expect(strings(printer.cells(for: p, now: now))[1...3] == ["2/2", "Running", "1 (60m ago)"])
    }

    @Test func schedulingGated() {
        let p = pod("g", status: #"{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}"#)
        #expect(printer.cells(for: p, now: now)[2] == "SchedulingGated")
    }

    @Test func wideColumns() {
        var p = pod("w", spec: #"{"containers":[{"name":"app"}],"nodeName":"n1","readinessGates":[{"conditionType":"example.com/lb"},{"conditionType":"example.com/dns"}]}"#,
                    status: """
            {"phase":"Running","podIPs":[{"ip":"fd00::5"},{"ip":"10.0.0.5"}],"nominatedNodeName":"n2",
             "conditions":[{"type":"example.com/lb","status":"True"},{"type":"example.com/dns","status":"False"}]}
            """)
        #expect(strings(printer.cells(for: p, now: now))[5...] == ["fd00::5", "n1", "n2", "1/2"])
        p[path: ["status", "podIP"]] = "10.0.0.9"
        #expect(printer.cells(for: p, now: now)[5] == "10.0.0.9", "status.podIP is authoritative over podIPs")
    }

    @Test func missingCreationTimestampIsUnknown() {
        var p = pod("x", status: #"{"phase":"Running"}"#)
        p[path: ["metadata", "creationTimestamp"]] = nil
        #expect(printer.cells(for: p, now: now)[4] == "<unknown>")
    }
}
