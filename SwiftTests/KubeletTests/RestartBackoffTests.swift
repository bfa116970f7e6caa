import Testing
@testable import Kubelet

@Suite("RestartBackoff")
struct RestartBackoffTests {
    @Test func doublesUpToTheCapAndResetsAfterALongRun() {
        let b = RestartBackoff()
        let t0 = ContinuousClock.now
        #expect(b.remaining("p/c", now: t0) == nil)
        #expect(b.recordRestart("p/c", ranFor: .seconds(1), now: t0) == .seconds(10))
        #expect(b.remaining("p/c", now: t0 + .seconds(4)) == .seconds(6))
        #expect(b.recordRestart("p/c", ranFor: .seconds(1), now: t0 + .seconds(11)) == .seconds(20))
        #expect(b.recordRestart("p/c", ranFor: .seconds(1), now: t0 + .seconds(40)) == .seconds(40))
        var d = Duration.zero
        for _ in 0..<10 { d = b.recordRestart("p/c", ranFor: .seconds(1), now: t0 + .seconds(100)) }
        #expect(d == .seconds(300))
        #expect(b.recordRestart("p/c", ranFor: .seconds(601), now: t0 + .seconds(2000)) == .seconds(10))
        b.forget(prefix: "p/")
        #expect(b.remaining("p/c", now: t0 + .seconds(2001)) == nil)
    }
}
