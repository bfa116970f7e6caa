import APIMachinery
import Testing
@testable import Kubelet

@Suite("PodStatusBuilder")
struct PodStatusBuilderTests {
    func c(_ phase: ContainerState.Phase, last: ContainerState.Phase? = nil, ready: Bool = false) -> ContainerState {
        ContainerState(name: "c", image: "busybox", containerID: "containerd://x", phase: phase, lastTermination: last, restartCount: last == nil ? 0 : 1, ready: ready)
    }

    @Test func phaseAsUpstream() {
        let done = ContainerState.Phase.terminated(exitCode: 0, reason: "Completed", startedAt: "a", finishedAt: "b")
        let failed = ContainerState.Phase.terminated(exitCode: 1, reason: "Error", startedAt: "a", finishedAt: "b")
        let crash = ContainerState.Phase.waiting(reason: "CrashLoopBackOff", message: "back-off 10s")
        #expect(PodStatusBuilder.phase([c(.waiting(reason: "ContainerCreating", message: nil))], restartPolicy: "Always") == "Pending")
        #expect(PodStatusBuilder.phase([c(.running(startedAt: "t"))], restartPolicy: "Always") == "Running")
        // A crash loop is a stopped container, not a waiting one: the pod stays Running.
        #expect(PodStatusBuilder.phase([c(crash, last: failed)], restartPolicy: "Always") == "Running")
        #expect(PodStatusBuilder.phase([c(done)], restartPolicy: "Never") == "Succeeded")
        #expect(PodStatusBuilder.phase([c(failed)], restartPolicy: "Never") == "Failed")
        #expect(PodStatusBuilder.phase([c(failed)], restartPolicy: "OnFailure") == "Running")
    }

    @Test func statusCarriesLastStateInitContainersAndConditions() {
        let pod: JSON = ["metadata": ["name": "p"], "spec": ["restartPolicy": "Always"]]
        let failed = ContainerState.Phase.terminated(exitCode: 1, reason: "Error", startedAt: "a", finishedAt: "b")
        let initDone = ContainerState(name: "init", image: "busybox", containerID: "containerd://i",
                                      phase: .terminated(exitCode: 0, reason: "Completed", startedAt: "a", finishedAt: "b"), restartCount: 0, ready: false)
        let rs = PodRuntimeStatus(podIP: "10.244.0.9", sandboxReady: true, initContainers: [initDone],
                                  containers: [c(.running(startedAt: "t"), last: failed, ready: true)])
        let s = PodStatusBuilder.status(pod: pod, runtime: rs, hostIP: "172.30.0.2", podIP: "10.244.0.9", now: "now")
        #expect(s["phase"]?.string == "Running")
        #expect(s["containerStatuses"]?.array?.first?[path: ["lastState", "terminated", "exitCode"]]?.int == 1)
        #expect(s["containerStatuses"]?.array?.first?["restartCount"]?.int == 1)
        #expect(s["initContainerStatuses"]?.array?.first?[path: ["state", "terminated", "reason"]]?.string == "Completed")
        let ready = s["conditions"]?.array?.first { $0["type"]?.string == "Ready" }
        #expect(ready?["status"]?.string == "True")
        #expect(s["podIP"]?.string == "10.244.0.9")
    }

    @Test func unfinishedInitKeepsPodPendingAndNotInitialized() {
        let pod: JSON = ["metadata": ["name": "p"], "spec": [:]]
        let initRunning = ContainerState(name: "init", image: "b", containerID: "x", phase: .running(startedAt: "t"), restartCount: 0, ready: false)
        let rs = PodRuntimeStatus(podIP: "10.244.0.9", sandboxReady: true, initContainers: [initRunning],
                                  containers: [c(.waiting(reason: "PodInitializing", message: nil))])
        let s = PodStatusBuilder.status(pod: pod, runtime: rs, hostIP: "h", podIP: "10.244.0.9", now: "now")
        #expect(s["phase"]?.string == "Pending")
        let initialized = s["conditions"]?.array?.first { $0["type"]?.string == "Initialized" }
        #expect(initialized?["status"]?.string == "False")
    }
}
