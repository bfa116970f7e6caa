import APIMachinery
import Client
import Foundation
import Synchronization
import Testing
import TestSupport

/// One candidate in a test election and what happened to it.
final class Candidate: Sendable {
    let id: String
    let elector: LeaderElector
    let log: Recorder<String>
    let newLeaders = Recorder<String>()
    let run: Mutex<Background?> = Mutex(nil)

    init(_ id: String, client: KubeClient, lease: String, releaseOnCancel: Bool, election: Election, clock: ManualClock,
         leaseDuration: Duration = .seconds(2), renewDeadline: Duration = .seconds(1)) throws {
        self.id = id
        self.log = election.log
        let log = election.log
        var config = LeaderElectionConfig(leaseNamespace: "t", leaseName: lease, identity: id)
        config.leaseDuration = leaseDuration
        config.renewDeadline = renewDeadline
        config.retryPeriod = .milliseconds(200)
        config.releaseOnCancel = releaseOnCancel
        let newLeaders = self.newLeaders
        elector = try LeaderElector(
            client: client, config: config,
            onStartedLeading: {
                election.begin(id)
                log.append("started \(id)")
                await suspendUntilCancelled()
                election.end(id)
                log.append("cancelled \(id)")
            },
            onStoppedLeading: { log.append("stopped \(id)") },
            onNewLeader: { newLeaders.append($0) },
            clock: clock)
    }

    func start() {
        let elector = self.elector
        run.withLock { $0 = Background { await elector.run() } }
    }

    func stop() async {
        let r = run.withLock { $0 }
        await r?.stop()
    }
}

/// Returns when the calling task is cancelled: the leader's work, which runs until leadership ends.
func suspendUntilCancelled() async {
    let (stream, continuation) = AsyncStream.makeStream(of: Never.self)
    await withTaskCancellationHandler {
        for await _ in stream {}
    } onCancel: {
        continuation.finish()
    }
}

func isMicroTime(_ s: String) -> Bool {
    s.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil
}

/// Who is running leader work right now, and whether two ever did at once.
final class Election: Sendable {
    let state = Mutex<(leading: Set<String>, overlaps: Int)>(([], 0))
    let log = Recorder<String>()
    func begin(_ id: String) {
        state.withLock { s in
            s.leading.insert(id)
            if s.leading.count > 1 { s.overlaps += 1 }
        }
    }
    func end(_ id: String) { state.withLock { _ = $0.leading.remove(id) } }
    var overlaps: Int { state.withLock { $0.overlaps } }
    /// The one candidate leading, nil when none or several are.
    var leader: String? { state.withLock { $0.leading.count == 1 ? $0.leading.first : nil } }
}

/// Election time runs on a `ManualClock`: the tests move it in steps of `step`, each taken only once
/// every running candidate is idle between attempts, so what happens at each step does not depend on how
/// fast the machine is.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct LeaderElectorTests {
    let election = Election()
    let clock = ManualClock()
    var log: Recorder<String> { election.log }
    /// Longer than any retry wait (200 ms with up to 1.2 × jitter: under 440 ms), shorter than a lease.
    let step = Duration.milliseconds(450)

    func lease(_ c: TestCluster, _ name: String) async throws -> JSON {
        try await c.client.get(ResourcePath.leases.inNamespace("t"), name)
    }

    func currentLeader() -> String? { election.leader }

    func candidate(_ id: String, _ c: TestCluster, lease: String, releaseOnCancel: Bool,
                   leaseDuration: Duration = .seconds(2), renewDeadline: Duration = .seconds(1)) throws -> Candidate {
        try Candidate(id, client: c.client, lease: lease, releaseOnCancel: releaseOnCancel, election: election, clock: clock,
                      leaseDuration: leaseDuration, renewDeadline: renewDeadline)
    }

    /// Waits until `candidates` candidates are parked between attempts (a renewal in flight holds a
    /// sleeper for its renew deadline, longer than `step`).
    func idle(_ candidates: Int) async {
        let step = self.step
        await clock.waitForSleepers { $0.count == candidates && $0.allSatisfy { $0 < step } }
    }

    /// Advances one step once `candidates` are idle.
    func tick(_ candidates: Int) async {
        await idle(candidates)
        clock.advance(by: step)
    }

    @Test func exactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderStopsRenewing() async throws {
        try await withCluster { c in
            let a = try candidate("a", c, lease: "l1", releaseOnCancel: false)
            let b = try candidate("b", c, lease: "l1", releaseOnCancel: false)
            a.start()
            b.start()
            #expect(await eventually { currentLeader() != nil })
            let first = try #require(currentLeader())
            let (leader, follower) = first == "a" ? (a, b) : (b, a)

            await idle(2)
            let acquired = try await lease(c, "l1")
            #expect(acquired[path: ["spec", "holderIdentity"]] == .string(first))
            #expect(acquired[path: ["spec", "leaseDurationSeconds"]] == 2)
            #expect(acquired[path: ["spec", "leaseTransitions"]] == 0)
            let acquireTime = try #require(acquired[path: ["spec", "acquireTime"]]?.string)
            let renewTime = try #require(acquired[path: ["spec", "renewTime"]]?.string)
            #expect(isMicroTime(acquireTime))
            #expect(isMicroTime(renewTime))

            // Renewals every step, over more than a lease: the same one leads, and the lease shows it renewing.
            for _ in 0..<6 { await tick(2) }
            await idle(2)
            #expect(currentLeader() == first)
            #expect(leader.elector.isLeader && !follower.elector.isLeader)
            #expect(follower.elector.leader == first)
            let renewed = try await lease(c, "l1")
            #expect(renewed[path: ["spec", "acquireTime"]]?.string == acquireTime)
            #expect(renewed[path: ["spec", "renewTime"]]?.string != renewTime)

            // The leader stops without releasing: the other waits out the 2 s lease from when it last saw
            // it renewed (at most a step ago), then takes over.
            await leader.stop()
            #expect(log.all.contains("cancelled \(first)") && log.all.contains("stopped \(first)"))
            for elapsed in 1...4 {
                await tick(1)
                await idle(1)
                #expect(currentLeader() == nil, "took over \(elapsed) steps after the last renewal, within the lease")
            }
            for _ in 5...6 where currentLeader() == nil {
                await tick(1)
                await idle(1)
            }
            #expect(currentLeader() == follower.id)
            let taken = try await lease(c, "l1")
            #expect(taken[path: ["spec", "holderIdentity"]] == .string(follower.id))
            #expect(taken[path: ["spec", "leaseTransitions"]] == 1)
            #expect(taken[path: ["spec", "acquireTime"]]?.string != acquireTime)
            #expect(await eventually { follower.newLeaders.all == [first, follower.id] })
            await follower.stop()
            #expect(election.overlaps == 0)
        }
    }

    @Test func releasingOnStopLetsTheOtherTakeOverAtItsNextAttempt() async throws {
        try await withCluster { c in
            let a = try candidate("a", c, lease: "l2", releaseOnCancel: true)
            a.start()
            #expect(await eventually { currentLeader() == "a" })
            let b = try candidate("b", c, lease: "l2", releaseOnCancel: true)
            b.start()
            for _ in 0..<2 { await tick(2) }
            await idle(2)
            #expect(currentLeader() == "a")

            await a.stop()
            let released = try await lease(c, "l2")
            #expect(released[path: ["spec", "holderIdentity"]] == "")
            #expect(released[path: ["spec", "leaseDurationSeconds"]] == 1)
            // One retry later, not a lease later.
            await tick(1)
            #expect(await eventually { currentLeader() == "b" })
            let taken = try await lease(c, "l2")
            #expect(taken[path: ["spec", "holderIdentity"]] == "b")
            #expect(taken[path: ["spec", "leaseTransitions"]] == 1)
            await idle(1)
            await b.stop()
            let final = try await lease(c, "l2")
            #expect(final[path: ["spec", "holderIdentity"]] == "")
            #expect(final[path: ["spec", "leaseDurationSeconds"]] == 1)
            #expect(election.overlaps == 0)
        }
    }

    /// Renewals that fail or hang (the API server is down) are retried until the renew deadline, 1 s from
    /// the first failed one; then the leader stops. (Not released: there is no server to release it on.)
    @Test func aLeaderThatCannotRenewWithinTheRenewDeadlineStopsLeading() async throws {
        try await withCluster { c in
            let a = try candidate("a", c, lease: "l3", releaseOnCancel: false)
            a.start()
            #expect(await eventually { currentLeader() == "a" })
            await idle(1)
            await c.stopServer()
            // Moves the clock to each deadline the elector waits for (a retry, or the renew deadline cutting
            // a renewal that hangs), until it stops; the first move starts the failing renewal.
            var waits: [Duration] = []
            while true {
                #expect(await eventually { clock.pendingSleeps.count == 1 || log.all.contains("stopped a") })
                if log.all.contains("stopped a") { break }
                #expect(log.all == ["started a"])
                let wait = clock.pendingSleeps[0]
                waits.append(wait)
                clock.advance(by: wait)
            }
            #expect(waits.dropFirst().reduce(.zero, +) == .seconds(1), "stopped after waiting \(waits)")
            #expect(log.all == ["started a", "cancelled a", "stopped a"])
            // It stopped for want of renewals, not because it saw another holder.
            #expect(a.elector.leader == "a")
            await a.stop()
        }
    }

    /// A leader that was paused past its lease finds another holder on its next renewal: it stops then,
    /// not after retrying for `renewDeadline` (8 s here) while the new leader already acts.
    @Test func aLeaderThatSeesAnotherHolderStopsAtOnceNotAfterTheRenewDeadline() async throws {
        try await withCluster { c in
            let a = try candidate("a", c, lease: "l4", releaseOnCancel: true, leaseDuration: .seconds(10), renewDeadline: .seconds(8))
            a.start()
            #expect(await eventually { currentLeader() == "a" })

            await idle(1)
            var l = try await lease(c, "l4")
            l[path: ["spec", "holderIdentity"]] = "successor"
            l[path: ["spec", "renewTime"]] = .string(RFC3339.microTime(Date()))
            try await c.client.update(ResourcePath.leases.inNamespace("t"), l)

            // One renewal attempt, and no more time: were it to retry until the deadline, it would never stop.
            clock.advance(by: step)
            #expect(await eventually { log.all.contains("stopped a") })
            #expect(log.all == ["started a", "cancelled a", "stopped a"])
            #expect(a.elector.leader == "successor")
            #expect(await eventually { a.newLeaders.all == ["a", "successor"] })
            // It left the successor's Lease alone.
            #expect(try await lease(c, "l4")[path: ["spec", "holderIdentity"]] == "successor")
            await a.stop()
        }
    }

    @Test func badTimingsAreRefused() throws {
        let client = KubeClient(ClientConfig(server: "http://127.0.0.1:1"))
        defer { Task { await client.shutdown() } }
        func config(_ lease: Duration, _ renew: Duration, _ retry: Duration, id: String = "x") -> LeaderElectionConfig {
            var c = LeaderElectionConfig(leaseName: "l", identity: id)
            (c.leaseDuration, c.renewDeadline, c.retryPeriod) = (lease, renew, retry)
            return c
        }
        let cases: [(LeaderElectionConfig, String)] = [
            (config(.seconds(10), .seconds(10), .seconds(2)), "leaseDuration must be greater than renewDeadline"),
            (config(.seconds(15), .seconds(2), .seconds(2)), "renewDeadline must be greater than retryPeriod*JitterFactor"),
            (config(.seconds(15), .seconds(10), .seconds(2), id: ""), "Lock identity is empty"),
            (config(.milliseconds(900), .milliseconds(500), .milliseconds(100)), "leaseDuration must be at least one second"),
        ]
        for (c, message) in cases {
            #expect(throws: LeaderElectionConfigError(description: message)) {
                _ = try LeaderElector(client: client, config: c, onStartedLeading: {})
            }
        }
        let defaults = LeaderElectionConfig(leaseName: "l", identity: "x")
        #expect(defaults.leaseDuration == .seconds(15) && defaults.renewDeadline == .seconds(10) && defaults.retryPeriod == .seconds(2))
        #expect(defaults.leaseNamespace == "kube-system")
        _ = try LeaderElector(client: client, config: defaults, onStartedLeading: {})
    }

    @Test func leaseRecordsRoundTrip() {
        let r = LeaderElectionRecord(holderIdentity: "h", leaseDurationSeconds: 15, acquireTime: "2026-11-25T15:00:00.000000Z",
                                     renewTime: "2026-11-25T15:00:02.000000Z", leaderTransitions: 3)
        #expect(LeaderElectionRecord(leaseSpec: r.leaseSpec) == r)
        let empty = LeaderElectionRecord(leaseSpec: nil)
        #expect(empty.holderIdentity == "" && empty.leaseDurationSeconds == 0 && empty.leaderTransitions == 0 && empty.renewTime == nil)
    }
}
