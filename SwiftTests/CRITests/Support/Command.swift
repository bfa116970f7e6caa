import Foundation

/// What a finished command printed.
struct CommandResult {
    let status: Int32
    let output: String
    var succeeded: Bool { status == 0 }
}

enum CommandError: Error, CustomStringConvertible {
    case failed(String, CommandResult)
    var description: String {
        switch self {
        case let .failed(command, result): "`\(command)` exited \(result.status): \(result.output)"
        }
    }
}

/// Runs a tool to completion (stdout and stderr together, in a temporary file so a chatty tool cannot
/// block on a full pipe), killing it after `timeout` seconds.
@discardableResult
func runCommand(_ tool: String, _ arguments: [String], timeout: TimeInterval = 60, check: Bool = true) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("cri-cmd-\(UUID().uuidString)")
    _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outFile) }
    let handle = try FileHandle(forWritingTo: outFile)
    defer { try? handle.close() }
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    // Polls: Foundation's Process has no async wait for exit.
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    let result = CommandResult(status: process.terminationStatus, output: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "")
    if check && !result.succeeded {
        throw CommandError.failed(([tool] + arguments).joined(separator: " "), result)
    }
    return result
}

/// Whether an executable named `tool` is on PATH.
func onPath(_ tool: String) -> Bool {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
    return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
}
