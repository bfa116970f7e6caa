import APIMachinery
@testable import Client
import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Controllers

/// The CronJob controller on a `ManualClock`: each sync queues the CronJob again for its next scheduled
/// time, so the test advances the clock to exactly that wake-up and checks what was made.
@Suite(.timeLimit(.minutes(1)))
struct CronJobControllerTests {
    let clock = ManualClock()
    let wall: WallClock
    let running = Holder<CronJobController>()

    init() { wall = WallClock(clock: clock) }

    func controllers(_ client: KubeClient, _ informers: SharedInformers, _ events: EventBroadcaster) -> [@Sendable () async -> Void] {
        let cc = CronJobController(client: client, informers: informers, recorder: events.recorder(component: "cronjob-controller"), clock: wall)
        running.set(cc)
        return [{ await cc.run(workers: 1) }]
    }

    static let cronJobsInT = ResourcePath.cronjobs.inNamespace("t")
    static let jobsInT = ResourcePath.jobs.inNamespace("t")

    func cronJob(_ name: String, schedule: String, policy: String = "Allow", extra: JSON = [:]) -> JSON {
        var spec: JSON = ["schedule": .string(schedule), "concurrencyPolicy": .string(policy),
                          "jobTemplate": ["metadata": ["labels": ["team": "a"]],
                                          "spec": ["template": ["spec": ["containers": [["name": "c", "image": "busybox:1.35"]],
                                                                         "restartPolicy": "OnFailure"]]]]]
        for (k, v) in extra.object ?? [:] { spec[k] = v }
        return ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": .string(name)], "spec": spec]
    }

    /// Waits for the controller's wake-up (the longest pending sleep: retries are short) and moves time to it.
    func advanceToWakeUp() async -> Duration {
        _ = await eventually {
            let pending = clock.pendingSleeps
            if pending.contains(where: { $0 > .milliseconds(500) }) { return true }
            // A conflict retried by the work queue parks a short sleep on the same clock: let it go.
            if let short = pending.first { clock.advance(by: short) }
            return false
        }
        let wait = clock.pendingSleeps.max()!
        clock.advance(by: wait)
        return wait
    }

    func jobs(_ c: KubeClient) async throws -> [JSON] { try await c.items(Self.jobsInT) }

    /// Marks a Job finished as the Job controller would.
    func complete(_ c: KubeClient, _ name: String, at: Date) async throws {
        let t = JSON.string(RFC3339.time(at))
        let status: JSON = ["succeeded": 1, "startTime": t, "completionTime": t,
                            "conditions": [["type": "Complete", "status": "True", "lastTransitionTime": t, "lastProbeTime": t]]]
        try await c.patch(Self.jobsInT, name, ["status": status], subresource: "status")
    }

    @Test func createsAJobEachMinuteAndForbidSkipsWhileOneRuns() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            let created = try await c.create(Self.cronJobsInT, cronJob("tick", schedule: "*/1 * * * *", policy: "Forbid",
                                                                       extra: ["successfulJobsHistoryLimit": 1]))
            // The first wake-up is the minute boundary after the later of now and the CronJob's creation (the
            // API server stamps it with the real time, which runs on while this test's clock stands still),
            // plus 100 ms.
            let start = wall.now
            let creation = try #require(RFC3339.parse(created[path: ["metadata", "creationTimestamp"]]?.string ?? ""))
            let base = max(start, creation).timeIntervalSince1970
            let expectedWake = (base / 60).rounded(.down) * 60 + 60 + 0.1
            _ = await advanceToWakeUp()
            #expect(abs(wall.now.timeIntervalSince1970 - expectedWake) < 0.002, "woke at \(wall.now), expected \(expectedWake)")
            let due = wall.now.addingTimeInterval(-0.1)
            let minute = Int64(due.timeIntervalSince1970.rounded()) / 60
            #expect(Int64(due.timeIntervalSince1970.rounded()) % 60 == 0)
            #expect(try await eventually { try await jobs(c).count == 1 })
            let job = try await jobs(c)[0]
            #expect(job.name == "tick-\(minute)")
            #expect(job.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] == RFC3339.time(Date(timeIntervalSince1970: Double(minute * 60))))
            #expect(job.labels == ["team": "a"])
            #expect(job.controllerRef?.kind == "CronJob" && job.controllerRef?.name == "tick")
            #expect(try await eventually {
                let s = try await c.get(Self.cronJobsInT, "tick")["status"]
                return s?["active"]?.array?.first?["name"]?.string == job.name && s?["lastScheduleTime"]?.string == RFC3339.time(Date(timeIntervalSince1970: Double(minute * 60)))
            })
            // Next minute: the first Job still runs, so Forbid skips it.
            _ = await advanceToWakeUp()
            #expect(try await eventually {
                try await c.eventMessages(about: "tick").contains { $0.0 == "JobAlreadyActive" }
            })
            #expect(try await jobs(c).count == 1)
            // It completes: seen and dropped from active, lastSuccessfulTime set; the run Forbid held back
            // (the minute after) is still within reach (no starting deadline), so it starts now, late.
            try await complete(c, job.name, at: wall.now)
            #expect(try await eventually {
                let s = try await c.get(Self.cronJobsInT, "tick")["status"]
                return s?["active"]?.array?.map { $0["name"]?.string } == ["tick-\(minute + 1)"] && s?["lastSuccessfulTime"] != nil
            })
            #expect(try await c.eventMessages(about: "tick").contains {
                $0 == ("SawCompletedJob", "Saw completed job: \(job.name), condition: Complete")
            })
            #expect(try await jobs(c).count == 2)
            let second = try await jobs(c).first { $0.name != job.name }!
            #expect(second.name == "tick-\(minute + 1)")
            // The history limit of 1 removes the first once the second completes.
            try await complete(c, second.name, at: wall.now)
            #expect(try await eventually { try await jobs(c).map(\.name) == [second.name] })
            #expect(try await eventually {
                let e = try await c.eventMessages(about: "tick")
                return e.contains { $0 == ("SuccessfulCreate", "Created job \(second.name)") } && e.contains { $0 == ("SuccessfulDelete", "Deleted job \(job.name)") }
            })
        }
    }

    @Test func replaceDeletesTheRunningJobAndSuspendStopsScheduling() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            try await c.create(Self.cronJobsInT, cronJob("rep", schedule: "* * * * *", policy: "Replace"))
            _ = await advanceToWakeUp()
            #expect(try await eventually { try await jobs(c).count == 1 })
            let first = try await jobs(c)[0]
            _ = await advanceToWakeUp()
            #expect(try await eventually {
                let names = try await jobs(c).map(\.name)
                return names.count == 1 && names[0] != first.name
            })
            try await c.patch(Self.cronJobsInT, "rep", ["spec": ["suspend": true]])
            let cc = running.get()!
            #expect(await eventually { cc.cronJobs.store.get("t/rep")?[path: ["spec", "suspend"]]?.bool == true })
            let before = try await jobs(c).count
            clock.advance(by: .seconds(120))
            // Nothing more is made while suspended (the sync after the change leaves no wake-up behind).
            #expect(await eventually { clock.pendingSleeps.isEmpty })
            #expect(try await jobs(c).count == before)
        }
    }

    @Test func startingDeadlineSkipsLateRunsThenRunsTheNextOnTime() async throws {
        try await withControllers(controllers) { cluster in
            let c = cluster.client
            // Created suspended; resumed long after a due time, with a 10 s starting deadline: that run is
            // skipped (no Job), and the next one is made on time.
            try await c.create(Self.cronJobsInT, cronJob("late", schedule: "*/5 * * * *", extra: ["suspend": true, "startingDeadlineSeconds": 10]))
            clock.advance(by: .seconds(600))
            let sinceBoundary = wall.now.timeIntervalSince1970.truncatingRemainder(dividingBy: 300)
            if sinceBoundary < 20 || sinceBoundary > 290 { clock.advance(by: .seconds(30)) }
            try await c.patch(Self.cronJobsInT, "late", ["spec": ["suspend": false]])
            let wait = await advanceToWakeUp()
            #expect(wait <= .seconds(300))
            #expect(try await eventually { try await jobs(c).count == 1 })
            let due = Int64(wall.now.addingTimeInterval(-0.1).timeIntervalSince1970.rounded())
            #expect(due % 300 == 0)
            #expect(try await jobs(c)[0].name == "late-\(due / 60)")
        }
    }
}

/// The controller a test's setup made, for the test body to read.
final class Holder<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func set(_ v: T) { value.withLock { $0 = v } }
    func get() -> T? { value.withLock { $0 } }
}
