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

    init(_ id: String, client: KubeClient, lease: String, releaseOnCancel: Bool, election: Election,
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
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                election.end(id)
                log.append("cancelled \(id)")
            },
            onStoppedLeading: { log.append("stopped \(id)") },
            onNewLeader: { newLeaders.append($0) })
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

@Suite(.serialized, .timeLimit(.minutes(1)))
struct LeaderElectorTests {
    let election = Election()
    var log: Recorder<String> { election.log }

    func lease(_ c: TestCluster, _ name: String) async throws -> JSON {
        try await c.client.get(ResourcePath.leases.inNamespace("t"), name)
    }

    func currentLeader() -> String? { election.leader }

    @Test func exactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderStopsRenewing() async throws {
        try await withCluster { c in
            let a = try Candidate("a", client: c.client, lease: "l1", releaseOnCancel: false, election: election)
            let b = try Candidate("b", client: c.client, lease: "l1", releaseOnCancel: false, election: election)
            a.start()
            b.start()
            #expect(await eventually { currentLeader() != nil })
            let first = try #require(currentLeader())
            let (leader, follower) = first == "a" ? (a, b) : (b, a)

            let acquired = try await lease(c, "l1")
            #expect(acquired[path: ["spec", "holderIdentity"]] == .string(first))
            #expect(acquired[path: ["spec", "leaseDurationSeconds"]] == 2)
            #expect(acquired[path: ["spec", "leaseTransitions"]] == 0)
            let acquireTime = try #require(acquired[path: ["spec", "acquireTime"]]?.string)
            let renewTime = try #require(acquired[path: ["spec", "renewTime"]]?.string)
            #expect(isMicroTime(acquireTime))
            #expect(isMicroTime(renewTime))

            // Several renewals later the same one leads, and the lease shows it renewing.
            try await Task.sleep(for: .milliseconds(1500))
            #expect(currentLeader() == first)
            #expect(leader.elector.isLeader && !follower.elector.isLeader)
            #expect(follower.elector.leader == first)
            let renewed = try await lease(c, "l1")
            #expect(renewed[path: ["spec", "acquireTime"]]?.string == acquireTime)
            #expect(renewed[path: ["spec", "renewTime"]]?.string != renewTime)

            // The leader stops without releasing: the other waits out the lease, then takes over.
            let stopped = ContinuousClock.now
            await leader.stop()
            #expect(log.all.contains("cancelled \(first)") && log.all.contains("stopped \(first)"))
            #expect(await eventually(timeout: .seconds(6)) { currentLeader() == follower.id })
            let takeover = ContinuousClock.now - stopped
            #expect(takeover > .milliseconds(1000), "took over after \(takeover), before the lease ran out")
            let taken = try await lease(c, "l1")
            #expect(taken[path: ["spec", "holderIdentity"]] == .string(follower.id))
            #expect(taken[path: ["spec", "leaseTransitions"]] == 1)
            #expect(taken[path: ["spec", "acquireTime"]]?.string != acquireTime)
            #expect(await eventually { follower.newLeaders.all == [first, follower.id] })
            await follower.stop()
            #expect(election.overlaps == 0)
        }
    }

    @Test func releasingOnStopLetsTheOtherTakeOverAtOnce() async throws {
        try await withCluster { c in
            let a = try Candidate("a", client: c.client, lease: "l2", releaseOnCancel: true, election: election)
            a.start()
            #expect(await eventually { currentLeader() == "a" })
            let b = try Candidate("b", client: c.client, lease: "l2", releaseOnCancel: true, election: election)
            b.start()
            try await Task.sleep(for: .milliseconds(500))
            #expect(currentLeader() == "a")

            let stopped = ContinuousClock.now
            await a.stop()
            let released = try await lease(c, "l2")
            // Either still released, or b already took it.
            #expect(["", "b"].contains(released[path: ["spec", "holderIdentity"]]?.string ?? "?"))
            #expect(await eventually { currentLeader() == "b" })
            #expect(ContinuousClock.now - stopped < .milliseconds(1500))
            let taken = try await lease(c, "l2")
            #expect(taken[path: ["spec", "holderIdentity"]] == "b")
            #expect(taken[path: ["spec", "leaseTransitions"]] == 1)
            await b.stop()
            // Releasing is best effort (as client-go's): on a loaded machine the release can lose a race
            // with the elector's own last renewal. Either way no one else leads in between.
            let final = try await lease(c, "l2")
            let holder = final[path: ["spec", "holderIdentity"]]?.string ?? "?"
            #expect(["", "b"].contains(holder))
            if holder == "" { #expect(final[path: ["spec", "leaseDurationSeconds"]] == 1) }
            #expect(election.overlaps == 0)
        }
    }

    @Test func aLeaderWhoseLeaseIsTakenStopsLeading() async throws {
        try await withCluster { c in
            let a = try Candidate("a", client: c.client, lease: "l3", releaseOnCancel: true, election: election)
            a.start()
            #expect(await eventually { currentLeader() == "a" })

            var l = try await lease(c, "l3")
            l[path: ["spec", "holderIdentity"]] = "intruder"
            l[path: ["spec", "renewTime"]] = .string(RFC3339.microTime(Date()))
            try await c.client.update(ResourcePath.leases.inNamespace("t"), l)

            // It cannot renew within renewDeadline: its work is cancelled and run returns on its own.
            #expect(await eventually(timeout: .seconds(4)) { log.all.contains("stopped a") })
            #expect(log.all == ["started a", "cancelled a", "stopped a"])
            #expect(!a.elector.isLeader)
            #expect(a.elector.leader == "intruder")
            let after = try await lease(c, "l3")
            #expect(after[path: ["spec", "holderIdentity"]] == "intruder")
            await a.stop()
        }
    }

    /// A leader that was paused past its lease finds another holder on its next renewal: it stops then,
    /// not after retrying for `renewDeadline` (8 s here) while the new leader already acts.
    @Test func aLeaderThatSeesAnotherHolderStopsAtOnceNotAfterTheRenewDeadline() async throws {
        try await withCluster { c in
            let a = try Candidate("a", client: c.client, lease: "l4", releaseOnCancel: true, election: election,
                                  leaseDuration: .seconds(10), renewDeadline: .seconds(8))
            a.start()
            #expect(await eventually { currentLeader() == "a" })

            var l = try await lease(c, "l4")
            l[path: ["spec", "holderIdentity"]] = "successor"
            l[path: ["spec", "renewTime"]] = .string(RFC3339.microTime(Date()))
            try await c.client.update(ResourcePath.leases.inNamespace("t"), l)
            let taken = ContinuousClock.now

            #expect(await eventually(timeout: .seconds(6)) { log.all.contains("stopped a") })
            let stoppedAfter = ContinuousClock.now - taken
            #expect(stoppedAfter < .seconds(3), "kept leading for \(stoppedAfter) after the lease was taken")
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
