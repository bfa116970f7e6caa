import Foundation
import Subprocess
import Synchronization
import SystemPackage

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// A command that could not be started, ran too long, or exited non-zero.
public struct CommandError: Error, CustomStringConvertible, Sendable {
    public var command: [String]
    public var status: Int32
    public var stderr: String

    public var description: String {
        "\(command.joined(separator: " ")) exited \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}

/// Runs short-lived tools (`nft`, `ip`, `conntrack`) without blocking Swift's cooperative threads: the
/// process is waited for, and its pipes written and drained, on Dispatch threads. Writing stdin and reading
/// stdout and stderr happen at once, so a tool that answers a large script with a large error never
/// deadlocks on a full pipe.
public enum CommandRunner {
    static let searchPath = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

    /// The absolute path of `tool`, looked up in `$PATH` and then the usual system directories (the proxy
    /// may be started by a supervisor with a short `PATH`).
    public static func resolve(_ tool: String) -> String {
        if tool.hasPrefix("/") { return tool }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + searchPath where FileManager.default.isExecutableFile(atPath: dir + "/" + tool) {
            return dir + "/" + tool
        }
        return tool
    }

    /// Runs `argv` (the first element a tool name or path) with `input` on stdin; kills it after `timeout`.
    ///
    /// Through swift-subprocess rather than Foundation's `Process`: on Linux, Swift 6.3's `Process.run()`
    /// reads each `/proc/self/fd` entry as a whole 256-byte `dirent` and now and then runs off the end of
    /// glibc's buffer into an unmapped page (swift-corelibs-foundation PR 5472, not in this toolchain). The
    /// proxy and the policy enforcer start `nft` on every sync, so a rare crash there is a certain one
    /// over a cluster's life; it was seen in this repository's CI.
    public static func run(_ argv: [String], input: Data? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
        precondition(!argv.isEmpty)
        let executable = Executable.path(FilePath(resolve(argv[0])))
        let arguments = Arguments(Array(argv.dropFirst()))
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask {
                let r: ExecutionResult<Void, DataOutput, DataOutput>
                if let input {
                    r = try await Subprocess.run(executable, arguments: arguments, input: .data(input),
                                                 output: .data(limit: outputLimit), error: .data(limit: outputLimit))
                } else {
                    r = try await Subprocess.run(executable, arguments: arguments, input: .none,
                                                 output: .data(limit: outputLimit), error: .data(limit: outputLimit))
                }
                let status: Int32
                switch r.terminationStatus {
                case .exited(let code): status = code
                case .signaled(let signal): status = signal
                }
                return CommandResult(status: status, stdout: r.standardOutput, stderr: r.standardError)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            // The first to finish: the command's result, or the timer, whose cancelling the run kills the
            // command (swift-subprocess's teardown) and reports it as killed.
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? CommandResult(status: SIGKILL, stdout: Data(), stderr: Data("killed after \(timeout)".utf8))
        }
    }

    /// More output than a command of the proxy's ever writes (a whole ruleset listing is a few MB).
    static let outputLimit = 256 << 20

    /// `run`, throwing `CommandError` on a non-zero exit.
    @discardableResult
    public static func check(_ argv: [String], input: Data? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let r = try await run(argv, input: input, timeout: timeout)
        guard r.status == 0 else { throw CommandError(command: argv, status: r.status, stderr: r.stderrText) }
        return r
    }
}
