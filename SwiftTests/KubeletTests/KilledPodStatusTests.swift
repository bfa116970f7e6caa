import APIMachinery
import Testing
@testable import Kubelet

/// The status a kubelet leaves on a pod it killed for deletion while finalizers (a Job's) keep it.
@Suite struct KilledPodStatusTests {
    @Test func runningContainersEndWithExitCode137AndThePodFails() {
        let pod: JSON = ["status": [
            "phase": "Running",
            "conditions": [["type": "Ready", "status": "True"], ["type": "PodScheduled", "status": "True"]],
            "containerStatuses": [
                ["name": "a", "state": ["running": ["startedAt": "2024-01-01T00:00:00Z"]], "ready": true, "started": true],
                ["name": "b", "state": ["waiting": ["reason": "ContainerCreating"]]],
            ],
        ]]
        let s = PodStatusBuilder.killed(pod: pod, now: "2024-01-01T00:01:00Z")
        #expect(s["phase"]?.string == "Failed")
        let a = s["containerStatuses"]?.array?[0]
        #expect(a?[path: ["state", "terminated"]] == ["exitCode": 137, "reason": "Error", "startedAt": "2024-01-01T00:00:00Z", "finishedAt": "2024-01-01T00:01:00Z"])
        #expect(a?["ready"]?.bool == false)
        #expect(s["containerStatuses"]?.array?[1][path: ["state", "terminated", "reason"]]?.string == "ContainerStatusUnknown")
        let ready = s["conditions"]?.array?.first { $0["type"]?.string == "Ready" }
        #expect(ready?["status"]?.string == "False" && ready?["reason"]?.string == "PodCompleted")
    }

    @Test func finishedPodsKeepTheirStatus() {
        let pod: JSON = ["status": ["phase": "Succeeded", "containerStatuses": [["name": "a", "state": ["terminated": ["exitCode": 0]]]]]]
        #expect(PodStatusBuilder.killed(pod: pod, now: "x") == pod["status"])
        let allDone: JSON = ["status": ["phase": "Running", "containerStatuses": [["name": "a", "state": ["terminated": ["exitCode": 0]]]]]]
        #expect(PodStatusBuilder.killed(pod: allDone, now: "x")["phase"]?.string == "Succeeded")
    }
}
