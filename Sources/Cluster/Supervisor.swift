import Foundation
import Synchronization

/// One process the supervisor keeps running.
public struct ComponentSpec: Codable, Sendable, Equatable {
    /// Also the log file's and pid file's name: "apiserver", "scheduler", "kubelet-N-control-plane".
    public var name: String
    public var arguments: [String]

    public init(name: String, arguments: [String]) {
        self.name = name
        self.arguments = arguments
    }
}

/// Runs a cluster's components as child processes, each logging to its own file, restarting any that
/// exits (with a growing delay, reset after a minute of good health), and stopping them all — in reverse
/// start order, SIGTERM then SIGKILL — when asked to stop. `skiff create cluster` runs one supervisor per
/// cluster as a detached process; `skiff delete cluster` signals it.
public final class Supervisor: Sendable {
    let paths: ClusterPaths
    let executable: URL
    let components: [ComponentSpec]
    private let running = Mutex<[String: Process]>([:])

    public init(paths: ClusterPaths, executable: URL, components: [ComponentSpec]) {
        self.paths = paths
        self.executable = executable
        self.components = components
    }

    func start(_ c: ComponentSpec) throws -> Process {
        let log = paths.log(c.name)
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let p = Process()
        p.executableURL = executable
        p.arguments = c.arguments
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? handle.close()
        try ProcessControl.writePID(p.processIdentifier, to: paths.pidFile(c.name))
        running.withLock { $0[c.name] = p }
        return p
    }

    /// Starts everything, then watches until cancelled; on cancellation stops everything.
    public func run() async {
        for c in components {
            do { _ = try start(c) } catch { note("cannot start \(c.name): \(error)") }
        }
        var delays: [String: Duration] = [:]
        var startedAt: [String: ContinuousClock.Instant] = Dictionary(uniqueKeysWithValues: components.map { ($0.name, .now) })
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            if Task.isCancelled { break }
            for c in components {
                let proc = running.withLock { $0[c.name] }
                if let proc, proc.isRunning { continue }
                let healthy = ContinuousClock.now - (startedAt[c.name] ?? .now) > .seconds(60)
                let delay = healthy ? .milliseconds(500) : min((delays[c.name] ?? .milliseconds(250)) * 2, .seconds(10))
                delays[c.name] = delay
                note("\(c.name) exited (status \(proc?.terminationStatus ?? -1)); restarting in \(delay)")
                try? await Task.sleep(for: delay)
                if Task.isCancelled { break }
                do {
                    _ = try start(c)
                    startedAt[c.name] = .now
                } catch {
                    note("cannot restart \(c.name): \(error)")
                }
            }
        }
        await stopAll()
    }

    /// Stops every component at once (each gets SIGTERM, then SIGKILL after its grace period).
    public func stopAll() async {
        let procs = running.withLock { r -> [(String, Int32)] in
            defer { r.removeAll() }
            return r.map { ($0.key, $0.value.processIdentifier) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (name, pid) in procs {
                group.addTask {
                    await ProcessControl.stop(pid)
                    try? FileManager.default.removeItem(at: self.paths.pidFile(name))
                }
            }
        }
    }

    func note(_ message: String) {
        let line = "\(ISO8601DateFormatter().string(from: Date())) supervisor: \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
