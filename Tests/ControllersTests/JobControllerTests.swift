import APIMachinery
@testable import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// Pure decisions of the Job controller: targets, indexes, back-off, failure policy, pods it makes.
@Suite struct JobDecisionTests {
    func job(_ spec: JSON, name: String = "pi") -> JSON {
        ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name), "namespace": "t", "uid": "u1"], "spec": spec]
    }

    @Test func wantActiveNeverExceedsParallelismOrRemainingCompletions() {
        #expect(JobController.wantActive(job: job(["completions": 5, "parallelism": 2]), active: 0, succeeded: 0) == 2)
        #expect(JobController.wantActive(job: job(["completions": 5, "parallelism": 2]), active: 2, succeeded: 4) == 1)
        #expect(JobController.wantActive(job: job(["completions": 5, "parallelism": 2]), active: 0, succeeded: 5) == 0)
        // Work queue: parallelism until one succeeds, then whatever runs.
        #expect(JobController.wantActive(job: job(["parallelism": 3]), active: 3, succeeded: 0) == 3)
        #expect(JobController.wantActive(job: job(["parallelism": 3]), active: 2, succeeded: 1) == 2)
    }

    @Test func backoffDoublesFromTenSecondsUpToSixMinutes() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        var r = JobBackoff.Record()
        #expect(JobBackoff.remaining(r, now: t0) == 0)
        r = JobBackoff.next(r, succeeded: [], failed: [t0])
        #expect(r.failuresAfterLastSuccess == 1)
        #expect(JobBackoff.remaining(r, now: t0.addingTimeInterval(4)) == 6)
        r = JobBackoff.next(r, succeeded: [], failed: [t0.addingTimeInterval(10)])
        #expect(JobBackoff.remaining(r, now: t0.addingTimeInterval(10)) == 20)
        r = JobBackoff.next(r, succeeded: [], failed: [t0.addingTimeInterval(30), t0.addingTimeInterval(31)])
        #expect(JobBackoff.remaining(r, now: t0.addingTimeInterval(31)) == 80)
        for i in 0..<10 { r = JobBackoff.next(r, succeeded: [], failed: [t0.addingTimeInterval(100 + Double(i))]) }
        #expect(JobBackoff.remaining(r, now: t0.addingTimeInterval(109)) == 360)
        // A success resets the count to the failures after it.
        r = JobBackoff.next(r, succeeded: [t0.addingTimeInterval(200)], failed: [t0.addingTimeInterval(150), t0.addingTimeInterval(210)])
        #expect(r.failuresAfterLastSuccess == 1 && r.lastFailureTime == t0.addingTimeInterval(210))
        r = JobBackoff.next(r, succeeded: [t0.addingTimeInterval(300)], failed: [])
        #expect(r == JobBackoff.Record())
    }

    @Test func completedIndexesText() {
        // Upstream writes a run of two as a pair, a run of three or more as an interval.
        #expect(CompletedIndexes([0, 1, 2, 5, 7, 8]).text == "0-2,5,7,8")
        #expect(CompletedIndexes(parsing: "0-2,5,7,8", completions: 9).text == "0-2,5,7,8")
        #expect(CompletedIndexes([3]).text == "3")
        #expect(CompletedIndexes().text == "")
        let parsed = CompletedIndexes(parsing: "0-2,5,7-9", completions: 9)
        #expect(parsed.text == "0-2,5,7,8" && parsed.total == 6)
        let pods: [JSON] = [["metadata": ["annotations": [JobFacts.completionIndexKey: "1"]]]]
        #expect(JobController.firstPendingIndexes(job: job(["completions": 5, "completionMode": "Indexed"]), active: pods,
                                                  succeeded: CompletedIndexes([0, 3]), count: 3) == [2, 4])
    }

    @Test func successPolicyRules() {
        let byIndexes: JSON = ["rules": [["succeededIndexes": "0-2"]]]
        #expect(JobSuccessPolicy.match(byIndexes, completions: 5, succeeded: CompletedIndexes([0, 1, 2, 4])) == "Matched rules at index 0")
        #expect(JobSuccessPolicy.match(byIndexes, completions: 5, succeeded: CompletedIndexes([0, 2, 3, 4])) == nil)
        // succeededCount within the named indexes.
        let some: JSON = ["rules": [["succeededIndexes": "0,2-4", "succeededCount": 2]]]
        #expect(JobSuccessPolicy.match(some, completions: 5, succeeded: CompletedIndexes([1, 3])) == nil)
        #expect(JobSuccessPolicy.match(some, completions: 5, succeeded: CompletedIndexes([1, 3, 4])) == "Matched rules at index 0")
        // succeededCount alone counts every index; the first rule that holds names itself.
        let rules: JSON = ["rules": [["succeededIndexes": "7-9"], ["succeededCount": 3]]]
        #expect(JobSuccessPolicy.match(rules, completions: 10, succeeded: CompletedIndexes([1, 4, 6])) == "Matched rules at index 1")
        // Indexes past completions leave a rule that can never hold; nothing succeeded matches nothing.
        #expect(JobSuccessPolicy.match(["rules": [["succeededIndexes": "10-12"]]], completions: 5, succeeded: CompletedIndexes([0, 1, 2, 3, 4])) == nil)
        #expect(JobSuccessPolicy.match(["rules": [["succeededCount": 0]]], completions: 5, succeeded: CompletedIndexes()) == nil)
        #expect(JobSuccessPolicy.match(nil, completions: 5, succeeded: CompletedIndexes([0])) == nil)
    }

    func indexPod(_ index: Int, failures: Int?, ignored: Int? = nil, exitCode: Int64 = 1, finishedAt: String = "1970-01-12T13:46:40Z") -> JSON {
        var pod: JSON = ["metadata": ["name": .string("p\(index)"), "namespace": "t", "uid": .string("uid-\(index)-\(failures ?? -1)"),
                                      "finalizers": [.string(JobFacts.trackingFinalizer)],
                                      "annotations": [JobFacts.completionIndexKey: .string(String(index))]],
                         "status": ["phase": "Failed",
                                    "containerStatuses": [["name": "main", "state": ["terminated": ["exitCode": .int(exitCode), "finishedAt": .string(finishedAt)]]]]]]
        if let failures { pod[path: ["metadata", "annotations", JobFacts.indexFailureCountKey]] = .string(String(failures)) }
        if let ignored { pod[path: ["metadata", "annotations", JobFacts.indexIgnoredFailureCountKey]] = .string(String(ignored)) }
        return pod
    }

    @Test func backoffLimitPerIndexDecisions() throws {
        let j = job(["completions": 4, "completionMode": "Indexed", "backoffLimitPerIndex": 1])
        // An index fails once a pod that already carries `limit` failures fails again.
        #expect(!JobIndexFailures.isIndexFailed(j, indexPod(0, failures: 0)))
        #expect(JobIndexFailures.isIndexFailed(j, indexPod(0, failures: 1)))
        // A bogus annotation counts as no failure.
        #expect(!JobIndexFailures.isIndexFailed(j, indexPod(0, failures: nil)))
        var withPolicy = j
        withPolicy[path: ["spec", "podFailurePolicy"]] = ["rules": [
            ["action": "FailIndex", "onExitCodes": ["operator": "In", "values": [42]]],
            ["action": "Ignore", "onExitCodes": ["operator": "In", "values": [7]]],
        ]]
        #expect(JobIndexFailures.isIndexFailed(withPolicy, indexPod(0, failures: 0, exitCode: 42)))
        #expect(!JobIndexFailures.isIndexFailed(withPolicy, indexPod(0, failures: 5, exitCode: 7)))
        // Not Indexed: no per-index limit at all.
        #expect(!JobIndexFailures.isIndexFailed(job(["completions": 4, "backoffLimitPerIndex": 1]), indexPod(0, failures: 3)))

        var failedJob = j
        failedJob["status"] = ["failedIndexes": "3"]
        #expect(JobIndexFailures.failedIndexes(failedJob, pods: [indexPod(1, failures: 1), indexPod(2, failures: 0)]).text == "1,3")

        // The replacement carries one more failure; an ignored one goes to its own count.
        let none = JobIndexFailures.newFailureCounts(j, replacing: nil)
        #expect(none.counted == 0 && none.ignored == 0)
        let counted = JobIndexFailures.newFailureCounts(j, replacing: indexPod(0, failures: 1))
        #expect(counted.counted == 2 && counted.ignored == 0)
        let ignored = JobIndexFailures.newFailureCounts(withPolicy, replacing: indexPod(0, failures: 1, exitCode: 7))
        #expect(ignored.counted == 1 && ignored.ignored == 1)
        // Pods are made from a template, which needs labels (the Job's defaulting adds them).
        var templated = j
        templated[path: ["spec", "template"]] = ["metadata": ["labels": ["job-name": "pi"]], "spec": ["containers": [["name": "main", "image": "busybox"]]]]
        let pod = try JobController.pod(for: templated, index: 2, failureCounts: (1, 2))
        #expect(pod.annotations[JobFacts.indexFailureCountKey] == "1" && pod.annotations[JobFacts.indexIgnoredFailureCountKey] == "2")
        let first = try JobController.pod(for: templated, index: 0, failureCounts: (0, 0))
        #expect(first.annotations[JobFacts.indexFailureCountKey] == "0" && first.annotations[JobFacts.indexIgnoredFailureCountKey] == nil)

        // Each index backs off on its own: 10 s after its first failure, doubling per failure of it.
        let t0 = RFC3339.parse("1970-01-12T13:46:40Z")!
        #expect(JobIndexFailures.remainingTime(lastFailed: nil, now: t0) == 0)
        #expect(JobIndexFailures.remainingTime(lastFailed: indexPod(0, failures: 0), now: t0.addingTimeInterval(4)) == 6)
        #expect(JobIndexFailures.remainingTime(lastFailed: indexPod(0, failures: 1, ignored: 1), now: t0) == 40)
        let creatable = JobIndexFailures.creatable([0, 1, 2], delayed: [0: indexPod(0, failures: 0), 2: indexPod(2, failures: 1)], now: t0)
        #expect(creatable.indexes == [1] && creatable.wait == 0)
        let waiting = JobIndexFailures.creatable([0, 2], delayed: [0: indexPod(0, failures: 0), 2: indexPod(2, failures: 1)], now: t0.addingTimeInterval(1))
        #expect(waiting.indexes.isEmpty && waiting.wait == 9)

        // Failed indexes are never handed out again.
        #expect(JobController.firstPendingIndexes(job: j, active: [], succeeded: CompletedIndexes([0]), count: 4,
                                                  failed: CompletedIndexes([2])) == [1, 3])
    }

    func failedPod(exitCode: Int64, container: String = "main", conditions: JSON = []) -> JSON {
        ["metadata": ["name": "p", "namespace": "t"],
         "status": ["phase": "Failed", "conditions": conditions,
                    "containerStatuses": [["name": .string(container), "state": ["terminated": ["exitCode": .int(exitCode)]]]]]]
    }

    @Test func podFailurePolicyRules() {
        let policy: JSON = ["rules": [
            ["action": "FailJob", "onExitCodes": ["containerName": "main", "operator": "In", "values": [42]]],
            ["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget", "status": "True"]]],
            ["action": "Count", "onExitCodes": ["operator": "NotIn", "values": [1]]],
        ]]
        let fail = PodFailurePolicy.match(policy, pod: failedPod(exitCode: 42))
        #expect(fail.action == "FailJob")
        #expect(fail.failJobMessage == "Container main for pod t/p failed with exit code 42 matching FailJob rule at index 0")
        let ignored = PodFailurePolicy.match(policy, pod: failedPod(exitCode: 1, conditions: [["type": "DisruptionTarget", "status": "True"]]))
        #expect(ignored == .init(failJobMessage: nil, countFailed: false, action: "Ignore"))
        #expect(PodFailurePolicy.match(policy, pod: failedPod(exitCode: 7)).action == "Count")
        #expect(PodFailurePolicy.match(policy, pod: failedPod(exitCode: 1)) == .init(failJobMessage: nil, countFailed: true, action: nil))
        let onCondition: JSON = ["rules": [["action": "FailJob", "onPodConditions": [["type": "DisruptionTarget", "status": "True"]]]]]
        #expect(PodFailurePolicy.match(onCondition, pod: failedPod(exitCode: 1, conditions: [["type": "DisruptionTarget", "status": "True"]])).failJobMessage
                == "Pod t/p has condition DisruptionTarget matching FailJob rule at index 0")
    }

    @Test func indexedPodsCarryTheirIndex() throws {
        let j = job(["completions": 3, "completionMode": "Indexed",
                     "template": ["metadata": ["labels": ["batch.kubernetes.io/job-name": "pi"]],
                                  "spec": ["containers": [["name": "c", "image": "busybox:1.35"]], "restartPolicy": "Never"]]])
        let pod = try JobController.pod(for: j, index: 2)
        #expect(pod[path: ["metadata", "generateName"]]?.string == "pi-2-")
        #expect(pod[path: ["metadata", "annotations", JobFacts.completionIndexKey]]?.string == "2")
        #expect(pod[path: ["metadata", "labels", JobFacts.completionIndexKey]]?.string == "2")
        #expect(pod[path: ["spec", "hostname"]]?.string == "pi-2")
        #expect(pod[path: ["metadata", "finalizers"]] == ["batch.kubernetes.io/job-tracking"])
        let env = pod[path: ["spec", "containers"]]?.array?.first?["env"]?.array?.first
        #expect(env?["name"]?.string == "JOB_COMPLETION_INDEX")
        #expect(env?[path: ["valueFrom", "fieldRef", "fieldPath"]]?.string == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        let plain = try JobController.pod(for: job(["completions": 1, "template": j[path: ["spec", "template"]]!]), index: nil)
        #expect(plain[path: ["metadata", "generateName"]]?.string == "pi-")
        #expect(plain[path: ["spec", "containers"]]?.array?.first?["env"] == nil)
        #expect(JobController.generateNameWithIndex(String(repeating: "a", count: 60), 12).count == 58)
    }

    @Test func statusWritesUpstreamPresence() {
        var s = JobStatusValue()
        #expect(s.json == ["ready": 0, "terminating": 0, "uncountedTerminatedPods": [:]])
        s.succeeded = 2
        s.uncountedFailed = ["x"]
        #expect(s.json == ["ready": 0, "terminating": 0, "succeeded": 2, "uncountedTerminatedPods": ["failed": ["x"]]])
        let now = Date(timeIntervalSince1970: 0)
        let addedFalse = s.ensureCondition(JobCondition(type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", time: now))
        #expect(!addedFalse)
        let added = s.ensureCondition(.backoffLimitExceeded(now))
        #expect(added)
        let again = s.ensureCondition(.backoffLimitExceeded(now))
        #expect(!again)
        #expect(s.conditions.first?["message"]?.string == "Job has reached the specified backoff limit")
        #expect(JobCondition.backoffLimitExceeded(now).final(now).type == "Failed")
        #expect(JobCondition.completionsReached(now).final(now).type == "Complete")
    }
}

/// The Job controller against a real API server; pods finish by status patches (no kubelet), and the
/// controller's time — back-off, deadlines — runs on a `ManualClock`.
@Suite(.timeLimit(.minutes(1)))
struct JobControllerTests {
    let clock = ManualClock()
    let wall: WallClock
    let running = Holder<JobController>()

    init() { wall = WallClock(clock: clock) }

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let jc = JobController(client: client, informers: informers, recorder: events.recorder(component: "job-controller"), clock: wall)
        running.set(jc)
        return [{ await jc.run(workers: 2) }]
    }

    static let jobsInT = ResourcePath.jobs.inNamespace("t")

    /// Waits until a timer in `range` is pending. A conflict retried by the work queue parks a short
    /// sleep on the same clock (and holds back a later delay for that key): such sleeps are let go.
    func waitForTimer(_ range: ClosedRange<Duration>) async -> Bool {
        await eventually {
            let pending = clock.pendingSleeps
            if pending.contains(where: range.contains) { return true }
            if let short = pending.first, short < .milliseconds(500) { clock.advance(by: short) }
            return false
        }
    }

    func jobSpec(_ name: String, _ spec: JSON) -> JSON {
        var s = spec
        s["template"] = ["spec": ["containers": [["name": "main", "image": "busybox:1.35"]], "restartPolicy": "Never"]]
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name)], "spec": s]
    }

    func pods(_ c: KubeClient, _ job: JSON, includeDeleting: Bool = false) async throws -> [JSON] {
        try await c.items(podsInT).filter { $0.controllerRef?.uid == job.uid && (includeDeleting || !$0.isBeingDeleted) }
    }

    func active(_ c: KubeClient, _ job: JSON) async throws -> [JSON] {
        try await pods(c, job).filter(PodState.isActive)
    }

    /// Ends `pod` as its kubelet would report it: Succeeded for exit code 0, else Failed.
    func finish(_ c: KubeClient, _ pod: JSON, exitCode: Int64 = 0) async throws {
        let now = JSON.string(RFC3339.time(wall.now))
        let status: JSON = [
            "phase": exitCode == 0 ? "Succeeded" : "Failed",
            "containerStatuses": [["name": "main", "image": "busybox:1.35", "imageID": "", "ready": false, "restartCount": 0,
                                   "state": ["terminated": ["exitCode": .int(exitCode), "reason": exitCode == 0 ? "Completed" : "Error",
                                                            "startedAt": now, "finishedAt": now]]]],
        ]
        try await c.patch(podsInT, pod.name, ["status": status], subresource: "status")
    }

    func job(_ c: KubeClient, _ name: String) async throws -> JSON { try await c.get(Self.jobsInT, name) }

    func condition(_ job: JSON, _ type: String) -> JSON? { JobFacts.condition(job, type) }

    @Test func runsCompletionsWithParallelismAndCompletes() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("pi", ["completions": 3, "parallelism": 2]))
            #expect(try await eventually { try await active(c, job).count == 2 })
            let first = try await active(c, job)
            for p in first {
                #expect(p.name.hasPrefix("pi-") && p.name.count == "pi-".count + 5)
                #expect(p.finalizers == ["batch.kubernetes.io/job-tracking"])
                #expect(p.labels["batch.kubernetes.io/job-name"] == "pi" && p.labels["controller-uid"] == job.uid)
                #expect(p.controllerRef?.kind == "Job" && p.controllerRef?.apiVersion == "batch/v1")
            }
            #expect(try await eventually {
                let s = try await self.job(c, "pi")["status"]
                return s?["active"]?.int == 2 && s?["startTime"] != nil && s?["ready"]?.int == 0 && s?["terminating"]?.int == 0
            })
            try await finish(c, first[0])
            #expect(try await eventually { try await pods(c, job).count == 3 })
            #expect(try await active(c, job).count == 2)
            #expect(try await eventually { try await self.job(c, "pi")[path: ["status", "succeeded"]]?.int == 1 })
            for p in try await active(c, job) { try await finish(c, p) }
            #expect(try await eventually { JobFacts.isFinished(try await self.job(c, "pi")) })
            let done = try await self.job(c, "pi")
            #expect(done[path: ["status", "succeeded"]]?.int == 3)
            #expect(done[path: ["status", "active"]] == nil)
            #expect(done[path: ["status", "uncountedTerminatedPods"]] == [:])
            #expect(done[path: ["status", "completionTime"]] != nil)
            let types = (done[path: ["status", "conditions"]]?.array ?? []).compactMap { $0["type"]?.string }
            #expect(types == ["SuccessCriteriaMet", "Complete"])
            #expect(condition(done, "Complete")?["reason"]?.string == "CompletionsReached")
            #expect(condition(done, "Complete")?["message"]?.string == "Reached expected number of succeeded pods")
            // Every pod was counted and released.
            #expect(try await eventually { try await pods(c, job).allSatisfy { $0.finalizers.isEmpty } })
            #expect(try await eventually {
                let events = try await c.eventMessages(about: "pi")
                return events.filter { $0.0 == "SuccessfulCreate" }.count == 3 && events.contains { $0 == ("Completed", "Job completed") }
            })
        }
    }

    @Test func failuresBackOffThenStopAtTheBackoffLimit() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("fail", ["backoffLimit": 1]))
            #expect(try await eventually { try await active(c, job).count == 1 })
            try await finish(c, try await active(c, job)[0], exitCode: 1)
            #expect(try await eventually { try await self.job(c, "fail")[path: ["status", "failed"]]?.int == 1 })
            // The replacement waits out a 10 s back-off.
            #expect(await waitForTimer(.seconds(9)...(.seconds(10))))
            #expect(try await active(c, job).isEmpty)
            clock.advance(by: .seconds(10))
            #expect(try await eventually { try await active(c, job).count == 1 })
            try await finish(c, try await active(c, job)[0], exitCode: 1)
            #expect(try await eventually { JobFacts.isFinished(try await self.job(c, "fail")) })
            let failed = try await self.job(c, "fail")
            #expect(failed[path: ["status", "failed"]]?.int == 2)
            let types = (failed[path: ["status", "conditions"]]?.array ?? []).compactMap { $0["type"]?.string }
            #expect(types == ["FailureTarget", "Failed"])
            #expect(condition(failed, "Failed")?["reason"]?.string == "BackoffLimitExceeded")
            #expect(condition(failed, "Failed")?["message"]?.string == "Job has reached the specified backoff limit")
            #expect(failed[path: ["status", "completionTime"]] == nil)
            #expect(try await eventually {
                try await c.eventMessages(about: "fail").contains { $0 == ("BackoffLimitExceeded", "Job has reached the specified backoff limit") }
            })
        }
    }

    @Test func indexedJobsCountIndexes() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("idx", ["completions": 3, "parallelism": 3, "completionMode": "Indexed"]))
            #expect(try await eventually { try await active(c, job).count == 3 })
            let byIndex = Dictionary(uniqueKeysWithValues: try await active(c, job).map { (JobFacts.completionIndex($0) ?? -1, $0) })
            #expect(Set(byIndex.keys) == [0, 1, 2])
            for (i, p) in byIndex {
                #expect(p.name.hasPrefix("idx-\(i)-"))
                #expect(p[path: ["spec", "hostname"]]?.string == "idx-\(i)")
            }
            try await finish(c, byIndex[1]!)
            #expect(try await eventually { try await self.job(c, "idx")[path: ["status", "completedIndexes"]]?.string == "1" })
            // A failed index is retried with the same index.
            try await finish(c, byIndex[0]!, exitCode: 3)
            #expect(await waitForTimer(.seconds(9)...(.seconds(10))))
            clock.advance(by: .seconds(10))
            #expect(try await eventually { try await active(c, job).compactMap(JobFacts.completionIndex).sorted() == [0, 2] })
            for p in try await active(c, job) { try await finish(c, p) }
            #expect(try await eventually { JobFacts.hasTrueCondition(try await self.job(c, "idx"), "Complete") })
            let done = try await self.job(c, "idx")
            #expect(done[path: ["status", "completedIndexes"]]?.string == "0-2")
            #expect(done[path: ["status", "succeeded"]]?.int == 3 && done[path: ["status", "failed"]]?.int == 1)
        }
    }

    @Test func suspendAndResume() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("sus", ["suspend": true, "parallelism": 2, "completions": 4]))
            #expect(try await eventually { JobFacts.hasTrueCondition(try await self.job(c, "sus"), "Suspended") })
            var j = try await self.job(c, "sus")
            #expect(condition(j, "Suspended")?["reason"]?.string == "JobSuspended")
            #expect(j[path: ["status", "startTime"]] == nil)
            #expect(try await pods(c, job).isEmpty)
            try await c.patch(Self.jobsInT, "sus", ["spec": ["suspend": false]])
            #expect(try await eventually { try await active(c, job).count == 2 })
            #expect(try await eventually { condition(try await self.job(c, "sus"), "Suspended")?["status"]?.string == "False" })
            j = try await self.job(c, "sus")
            #expect(condition(j, "Suspended")?["reason"]?.string == "JobResumed")
            #expect(j[path: ["status", "startTime"]] != nil)
            // Suspending again deletes the running pods; they are not failures.
            try await c.patch(Self.jobsInT, "sus", ["spec": ["suspend": true]])
            #expect(try await eventually { try await active(c, job).isEmpty })
            #expect(try await eventually { JobFacts.hasTrueCondition(try await self.job(c, "sus"), "Suspended") })
            #expect(try await self.job(c, "sus")[path: ["status", "failed"]] == nil)
            #expect(try await eventually {
                let e = try await c.eventMessages(about: "sus")
                return e.contains { $0 == ("Suspended", "Job suspended") } && e.contains { $0 == ("Resumed", "Job resumed") }
                    && e.contains { $0.0 == "SuccessfulDelete" && $0.1.hasPrefix("Deleted pod: sus-") }
            })
        }
    }

    @Test func activeDeadlineFailsTheJob() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("dl", ["activeDeadlineSeconds": 30]))
            #expect(try await eventually { try await active(c, job).count == 1 })
            #expect(await waitForTimer(.seconds(29)...(.seconds(30))))
            clock.advance(by: .seconds(31))
            #expect(try await eventually { JobFacts.hasTrueCondition(try await self.job(c, "dl"), "Failed") })
            let j = try await self.job(c, "dl")
            #expect(condition(j, "Failed")?["reason"]?.string == "DeadlineExceeded")
            #expect(condition(j, "Failed")?["message"]?.string == "Job was active longer than specified deadline")
            #expect(j[path: ["status", "failed"]]?.int == 1)
            // The unscheduled pod's deletion completed once its finalizer went.
            #expect(try await eventually { try await pods(c, job, includeDeleting: true).isEmpty })
        }
    }

    @Test func podFailurePolicyFailJobAndIgnore() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let policy: JSON = ["rules": [
                ["action": "Ignore", "onExitCodes": ["operator": "In", "values": [7]]],
                ["action": "FailJob", "onExitCodes": ["containerName": "main", "operator": "In", "values": [42]]],
            ]]
            let job = try await c.create(Self.jobsInT, jobSpec("pfp", ["podFailurePolicy": policy, "backoffLimit": 6]))
            #expect(try await eventually { try await active(c, job).count == 1 })
            let first = try await active(c, job)[0]
            try await finish(c, first, exitCode: 7)
            // Ignored: not counted toward backoffLimit; replaced after the back-off.
            #expect(await waitForTimer(.seconds(9)...(.seconds(10))))
            clock.advance(by: .seconds(10))
            #expect(try await eventually {
                let now = try await active(c, job)
                return now.count == 1 && now[0].name != first.name
            })
            #expect(try await self.job(c, "pfp")[path: ["status", "failed"]] == nil)
            try await finish(c, try await active(c, job)[0], exitCode: 42)
            #expect(try await eventually { JobFacts.hasTrueCondition(try await self.job(c, "pfp"), "Failed") })
            let j = try await self.job(c, "pfp")
            #expect(condition(j, "Failed")?["reason"]?.string == "PodFailurePolicy")
            #expect(condition(j, "Failed")?["message"]?.string?.hasPrefix("Container main for pod t/pfp-") == true)
            #expect(condition(j, "Failed")?["message"]?.string?.hasSuffix("failed with exit code 42 matching FailJob rule at index 1") == true)
        }
    }

    /// Pods of one index, newest first.
    func ofIndex(_ c: KubeClient, _ job: JSON, _ index: Int) async throws -> [JSON] {
        try await pods(c, job, includeDeleting: true).filter { JobFacts.completionIndex($0) == index }
            .sorted { ($0.creationTimestamp ?? .distantPast, $0.name) > ($1.creationTimestamp ?? .distantPast, $1.name) }
    }

    @Test func backoffLimitPerIndexFailsIndexesAlone() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("bpi", ["completions": 3, "parallelism": 3, "completionMode": "Indexed",
                                                                        "backoffLimitPerIndex": 1]))
            #expect(try await eventually { try await active(c, job).count == 3 })
            #expect(try await active(c, job).allSatisfy { $0.annotations[JobFacts.indexFailureCountKey] == "0" })
            // Present, empty, as soon as the Job tracks failed indexes.
            #expect(try await eventually { try await self.job(c, "bpi")[path: ["status", "failedIndexes"]]?.string == "" })
            try await finish(c, try await ofIndex(c, job, 0)[0], exitCode: 1)
            // Index 0 backs off on its own 10 s, then comes back carrying one failure.
            #expect(await waitForTimer(.seconds(9)...(.seconds(10))))
            #expect(try await ofIndex(c, job, 0).count == 1)
            clock.advance(by: .seconds(10))
            #expect(try await eventually { try await active(c, job).filter { JobFacts.completionIndex($0) == 0 }.count == 1 })
            let retry = try await active(c, job).first { JobFacts.completionIndex($0) == 0 }!
            #expect(retry.annotations[JobFacts.indexFailureCountKey] == "1")
            // Its second failure is past the limit: the index is failed for good, never retried.
            try await finish(c, retry, exitCode: 1)
            #expect(try await eventually { try await self.job(c, "bpi")[path: ["status", "failedIndexes"]]?.string == "0" })
            #expect(try await active(c, job).allSatisfy { JobFacts.completionIndex($0) != 0 })
            for p in try await active(c, job) { try await finish(c, p) }
            #expect(try await eventually { JobFacts.isFinished(try await self.job(c, "bpi")) })
            let done = try await self.job(c, "bpi")
            let types = (done[path: ["status", "conditions"]]?.array ?? []).compactMap { $0["type"]?.string }
            #expect(types == ["FailureTarget", "Failed"])
            #expect(condition(done, "Failed")?["reason"]?.string == "FailedIndexes")
            #expect(condition(done, "Failed")?["message"]?.string == "Job has failed indexes")
            #expect(done[path: ["status", "completedIndexes"]]?.string == "1,2")
            #expect(done[path: ["status", "failedIndexes"]]?.string == "0")
            #expect(done[path: ["status", "succeeded"]]?.int == 2 && done[path: ["status", "failed"]]?.int == 2)
        }
    }

    @Test func failIndexRuleAndMaxFailedIndexes() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let policy: JSON = ["rules": [["action": "FailIndex", "onExitCodes": ["operator": "In", "values": [42]]]]]
            let job = try await c.create(Self.jobsInT, jobSpec("maxf", ["completions": 4, "parallelism": 2, "completionMode": "Indexed",
                                                                         "backoffLimitPerIndex": 3, "maxFailedIndexes": 0,
                                                                         "podFailurePolicy": policy]))
            #expect(try await eventually { try await active(c, job).count == 2 })
            // FailIndex fails the index at once, whatever its budget; one failed index is past maxFailedIndexes 0.
            try await finish(c, try await ofIndex(c, job, 0)[0], exitCode: 42)
            #expect(try await eventually { JobFacts.isFinished(try await self.job(c, "maxf")) })
            let done = try await self.job(c, "maxf")
            #expect(condition(done, "FailureTarget")?["reason"]?.string == "MaxFailedIndexesExceeded")
            #expect(condition(done, "Failed")?["reason"]?.string == "MaxFailedIndexesExceeded")
            #expect(condition(done, "Failed")?["message"]?.string == "Job has exceeded the specified maximal number of failed indexes")
            #expect(done[path: ["status", "failedIndexes"]]?.string == "0")
            // The other running pod was terminated and counted as failed.
            #expect(done[path: ["status", "failed"]]?.int == 2)
            #expect(try await eventually { try await active(c, job).isEmpty })
            #expect(try await eventually {
                try await c.eventMessages(about: "maxf").contains { $0 == ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes") }
            })
        }
    }

    @Test func successPolicyEndsTheJobEarly() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("leader", ["completions": 4, "parallelism": 4, "completionMode": "Indexed",
                                                                           "successPolicy": ["rules": [["succeededIndexes": "0"]]]]))
            #expect(try await eventually { try await active(c, job).count == 4 })
            try await finish(c, try await ofIndex(c, job, 1)[0])
            #expect(try await eventually { try await self.job(c, "leader")[path: ["status", "completedIndexes"]]?.string == "1" })
            #expect(!JobFacts.isFinished(try await self.job(c, "leader")))
            // Index 0 is what the rule needs: the Job succeeds and its lingering pods go.
            try await finish(c, try await ofIndex(c, job, 0)[0])
            #expect(try await eventually { JobFacts.isFinished(try await self.job(c, "leader")) })
            let done = try await self.job(c, "leader")
            let types = (done[path: ["status", "conditions"]]?.array ?? []).compactMap { $0["type"]?.string }
            #expect(types == ["SuccessCriteriaMet", "Complete"])
            for type in types {
                #expect(condition(done, type)?["reason"]?.string == "SuccessPolicy")
                #expect(condition(done, type)?["message"]?.string == "Matched rules at index 0")
            }
            #expect(done[path: ["status", "completedIndexes"]]?.string == "0,1")
            #expect(done[path: ["status", "succeeded"]]?.int == 2)
            #expect(done[path: ["status", "failed"]] == nil)
            #expect(done[path: ["status", "completionTime"]] != nil)
            #expect(try await eventually { try await active(c, job).isEmpty })
        }
    }

    @Test func deletedJobsReleaseTheirPods() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let job = try await c.create(Self.jobsInT, jobSpec("gone", ["parallelism": 2, "completions": 2]))
            #expect(try await eventually { try await active(c, job).count == 2 })
            // No garbage collector runs here: the pods stay, pointing at a Job that is gone.
            try await c.delete(Self.jobsInT, "gone")
            #expect(try await eventually { try await c.items(podsInT).filter { $0.controllerRef?.uid == job.uid }.allSatisfy { $0.finalizers.isEmpty } })
        }
    }
}
