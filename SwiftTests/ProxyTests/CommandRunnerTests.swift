import Foundation
import Proxy
import Testing

@Suite struct CommandRunnerTests {
    @Test func passesStdinAndReturnsOutputAndStatus() async throws {
        let r = try await CommandRunner.run(["sh", "-c", "cat; echo oops >&2; exit 3"], input: Data("table ip t {}\n".utf8))
        #expect(r.status == 3)
        #expect(r.stdoutText == "table ip t {}\n")
        #expect(r.stderrText == "oops\n")
        let ok = try await CommandRunner.check(["true"])
        #expect(ok.status == 0 && ok.stdout.isEmpty)
        await #expect(throws: CommandError.self) { try await CommandRunner.check(["false"]) }
    }

    /// A command past its timeout is killed rather than waited for (the sleep would take an hour).
    @Test func killsACommandThatOutlivesItsTimeout() async throws {
        let r = try await CommandRunner.run(["sleep", "3600"], timeout: .milliseconds(200))
        #expect(r.status == SIGKILL)
    }
}
