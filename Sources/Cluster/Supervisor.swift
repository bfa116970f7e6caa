import APIMachinery
import Foundation
import Synchronization

/// One process the supervisor keeps running.
public struct ComponentSpec: Codable, Sendable, Equatable {
    /// Also the log file's and pid file's name: "apiserver", "kubelet-N-control-plane", "containerd-N".
    public var name: String
    public var arguments: [String]
    /// The program to run; nil runs the `skiff` binary itself with `arguments`.
    public var executable: String?
    /// For infrastructure other components need (a node's containerd): the Unix socket that answers once
    /// it serves. Such components start first, and the rest only once every one of them answers.
    public var readySocket: String?
    /// Commands run once after `readySocket` first answers (importing the pause image into a containerd).
    public var afterReady: [[String]]?

    public init(name: String, arguments: [String], executable: String? = nil, readySocket: String? = nil, afterReady: [[String]]? = nil) {
        self.name = name
        self.arguments = arguments
        self.executable = executable
        self.readySocket = readySocket
        self.afterReady = afterReady
    }

    public var isInfrastructure: Bool { readySocket != nil }
}

/// Runs a cluster's components as child processes, each logging to its own file, restarting any that
/// exits (with a growing delay, reset after a minute of good health), and stopping them all when asked.
/// Infrastructure (each node's containerd) starts first and must answer on its socket — and get its
/// after-ready commands run — before the control plane and kubelets start; on the way down it stops last,
/// after `beforeStoppingInfrastructure` (where pod sandboxes are removed through CRI while containerd still
/// serves). Each infrastructure component's outcome is left as `run/<name>.ready` or `run/<name>.failed`
/// (holding the reason) for `skiff create cluster` to report. `skiff create cluster` runs one supervisor
/// per cluster as a detached process; `skiff delete cluster` signals it.
public final class Supervisor: Sendable {
    let paths: ClusterPaths
    let executable: URL
    /// What it runs; grows when `adopt` is given a component it did not have (`skiff add node`).
    private let componentList: Mutex<[ComponentSpec]>
    var components: [ComponentSpec] { componentList.withLock { $0 } }
    let beforeStoppingInfrastructure: @Sendable () async -> Void
    private let running = Mutex<[String: Process]>([:])
    /// How long infrastructure gets to answer on its socket.
    public static let readyTimeout: Duration = .seconds(30)

    public init(paths: ClusterPaths, executable: URL, components: [ComponentSpec],
                beforeStoppingInfrastructure: @escaping @Sendable () async -> Void = {}) {
        self.paths = paths
        self.executable = executable
        componentList = Mutex(components)
        self.beforeStoppingInfrastructure = beforeStoppingInfrastructure
    }

    public func readyMarker(_ name: String) -> URL { paths.run.appendingPathComponent(name + ".ready") }
    public func failedMarker(_ name: String) -> URL { paths.run.appendingPathComponent(name + ".failed") }

    /// Children find host tools (runc, the CNI plugins' helpers) even when started from a PATH without sbin.
    static var childEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        var dirs = (env["PATH"] ?? "").split(separator: ":").map(String.init)
        for d in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] where !dirs.contains(d) { dirs.append(d) }
        env["PATH"] = dirs.joined(separator: ":")
        return env
    }

    func start(_ c: ComponentSpec) throws -> Process {
        let log = paths.log(c.name)
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        let p = Process()
        p.executableURL = c.executable.map { URL(fileURLWithPath: $0) } ?? executable
        p.arguments = c.arguments
        p.environment = Self.childEnvironment
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? handle.close()
        try ProcessControl.writePID(p.processIdentifier, to: paths.pidFile(c.name))
        running.withLock { $0[c.name] = p }
        return p
    }

    /// Waits for an infrastructure component's socket and runs its after-ready commands, leaving a marker.
    func prepare(_ c: ComponentSpec) async {
        guard let socket = c.readySocket else { return }
        let started = ContinuousClock.now
        var failure: String?
        if await UnixSocketProbe.wait(for: socket, timeout: Self.readyTimeout) {
            for cmd in c.afterReady ?? [] {
                do {
                    let out = try HostCommand(cmd).run()
                    append(out, toLogOf: c.name)
                } catch {
                    failure = "\(error)"
                    break
                }
            }
        } else {
            failure = "\(c.name) did not answer on \(socket) within \(Self.readyTimeout)"
        }
        if let failure {
            note("\(c.name): \(failure)")
            try? Data(failure.utf8).write(to: failedMarker(c.name))
        } else {
            note("\(c.name) ready in \(ContinuousClock.now - started)")
            FileManager.default.createFile(atPath: readyMarker(c.name).path, contents: nil)
        }
    }

    func append(_ text: String, toLogOf name: String) {
        guard !text.isEmpty, let h = try? FileHandle(forWritingTo: paths.log(name)) else { return }
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try? h.close()
    }

    /// Starts everything (infrastructure first), then watches until cancelled; on cancellation stops everything.
    public func run() async {
        let infrastructure = components.filter(\.isInfrastructure)
        for c in infrastructure {
            try? FileManager.default.removeItem(at: readyMarker(c.name))
            try? FileManager.default.removeItem(at: failedMarker(c.name))
            do { _ = try start(c) } catch {
                note("cannot start \(c.name): \(error)")
                try? Data("cannot start \(c.name): \(error)".utf8).write(to: failedMarker(c.name))
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for c in infrastructure { group.addTask { await self.prepare(c) } }
        }
        for c in components where !c.isInfrastructure {
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
        // Not in this cancelled task: its CRI calls (removing the sandboxes) would be cancelled at once, and
        // its sleeps (waiting for a process to exit) would not wait.
        await Task { await self.stopAll() }.value
    }

    /// Starts, and from then on keeps running, the components of `all` it does not run yet (a node added
    /// to the cluster's spec). Infrastructure is left alone: it must be ready before the rest starts,
    /// which only `run` orders.
    public func adopt(_ all: [ComponentSpec]) {
        let added = componentList.withLock { list -> [ComponentSpec] in
            let known = Set(list.map(\.name))
            let new = all.filter { !known.contains($0.name) && !$0.isInfrastructure }
            list += new
            return new
        }
        for c in added {
            do {
                _ = try start(c)
                note("started \(c.name), new in the cluster's spec")
            } catch {
                note("cannot start \(c.name): \(error)")
            }
        }
    }

    /// Stops the control plane and kubelets (all at once: SIGTERM, then SIGKILL after their grace period),
    /// then runs `beforeStoppingInfrastructure`, then stops the infrastructure.
    public func stopAll() async {
        let infrastructure = Set(components.filter(\.isInfrastructure).map(\.name))
        await stop { !infrastructure.contains($0) }
        if !infrastructure.isEmpty {
            let began = ContinuousClock.now
            await beforeStoppingInfrastructure()
            note("removed the pod sandboxes in \(ContinuousClock.now - began)")
        }
        await stop { _ in true }
    }

    private func stop(where include: @Sendable (String) -> Bool) async {
        let procs = running.withLock { r -> [(String, Int32)] in
            let chosen = r.filter { include($0.key) }
            for name in chosen.keys { r.removeValue(forKey: name) }
            return chosen.map { ($0.key, $0.value.processIdentifier) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (name, pid) in procs {
                group.addTask {
                    let began = ContinuousClock.now
                    await ProcessControl.stop(pid)
                    try? FileManager.default.removeItem(at: self.paths.pidFile(name))
                    self.note("stopped \(name) in \(ContinuousClock.now - began)")
                }
            }
        }
    }

    func note(_ message: String) {
        let line = "\(RFC3339.time()) supervisor: \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
