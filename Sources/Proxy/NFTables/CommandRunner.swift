import Foundation
import Synchronization

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
    /// Completion comes from the termination handler, not `waitUntilExit()`, which polls a run loop every
    /// 50 ms and so added up to 50 ms to every nft transaction.
    public static func run(_ argv: [String], input: Data? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
        precondition(!argv.isEmpty)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(argv[0]))
        process.arguments = Array(argv.dropFirst())
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let out = Mutex(Data()), err = Mutex(Data())
        let outReader = stdoutPipe.fileHandleForReading, errReader = stderrPipe.fileHandleForReading
        let writer = stdinPipe.fileHandleForWriting
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            let group = DispatchGroup()
            group.enter()
            process.terminationHandler = { _ in group.leave() }
            do { try process.run() } catch {
                c.resume(throwing: error)
                return
            }
            if let input {
                DispatchQueue.global().async(group: group) {
                    try? writer.write(contentsOf: input)
                    try? writer.close()
                }
            }
            DispatchQueue.global().async(group: group) { out.withLock { $0 = outReader.readDataToEndOfFile() } }
            DispatchQueue.global().async(group: group) { err.withLock { $0 = errReader.readDataToEndOfFile() } }
            let pid = process.processIdentifier
            let timer = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: timer)
            group.notify(queue: .global()) {
                timer.cancel()
                c.resume()
            }
        }
        try? stdinPipe.fileHandleForReading.close()
        try? outReader.close()
        try? errReader.close()
        return CommandResult(status: process.terminationStatus, stdout: out.withLock { $0 }, stderr: err.withLock { $0 })
    }

    /// `run`, throwing `CommandError` on a non-zero exit.
    @discardableResult
    public static func check(_ argv: [String], input: Data? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
        let r = try await run(argv, input: input, timeout: timeout)
        guard r.status == 0 else { throw CommandError(command: argv, status: r.status, stderr: r.stderrText) }
        return r
    }
}
