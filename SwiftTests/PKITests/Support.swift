import Foundation
import Testing

/// A fresh directory under the system temporary directory, removed when the test's scope ends.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pki-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func write(_ text: String, to name: String) throws -> URL {
        let target = file(name)
        try Data(text.utf8).write(to: target)
        return target
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// What a finished command printed.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var succeeded: Bool { status == 0 }
}

/// Runs an external tool (openssl, curl, kubectl) to completion, with an optional time limit.
@discardableResult
func run(_ tool: String, _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = 30) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("pki-out-\(UUID().uuidString)")
    let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("pki-err-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
    }
    process.standardOutput = try FileHandle(forWritingTo: outFile)
    process.standardError = try FileHandle(forWritingTo: errFile)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    // Polls: Foundation's Process has no async wait for exit.
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { forceStop(process) }
    return CommandResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
}

/// Kills a child with SIGKILL and reaps it. Not SIGTERM: children spawned from dispatch's worker threads
/// inherit their blocked signal mask, so `openssl s_server` never sees a SIGTERM.
func forceStop(_ process: Process) {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

/// `openssl s_server` on a free loopback port, requiring a client certificate signed by `caFile` and fit
/// for client authentication (`-verify_return_error` makes a failed verification end the handshake).
/// Stopped by `stop()` (tests call it in a `defer`).
final class OpenSSLServer {
    let port: Int
    private let process: Process
    private let logFile: URL

    /// `mode` is `-www` (a status page for any path) or `-WWW` (files from `directory`, as `GET /name`).
    init(certificate: URL, key: URL, caFile: URL, mode: String = "-www", directory: URL) throws {
        var lastLog = ""
        for _ in 0..<10 {
            let port = Int.random(in: 20_000..<60_000)
            let log = directory.appendingPathComponent("s_server-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "openssl", "s_server", "-cert", certificate.path, "-key", key.path, "-CAfile", caFile.path,
                "-Verify", "1", "-verify_return_error", "-accept", "127.0.0.1:\(port)", mode,
            ]
            process.currentDirectoryURL = directory
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline {
                lastLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if lastLog.contains("ACCEPT") {
                    self.port = port
                    self.process = process
                    self.logFile = log
                    return
                }
                // Polls for the peer's output; nothing signals it.
                usleep(20_000)
            }
            forceStop(process)
        }
        throw ServerStartError(log: lastLog)
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func stop() { forceStop(process) }

    struct ServerStartError: Error, CustomStringConvertible {
        let log: String
        var description: String { "openssl s_server did not start: \(log)" }
    }
}
