import EtcdStorage
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A private etcd (Debian's etcd-server, 3.4) for one test: one member or a cluster of several, on loopback
/// ports picked for it, with data under a temporary directory. Members are started and stopped by PID, and the
/// directory is removed, by `withEtcd`, on every path out of the test.
///
/// The data directory is under /dev/shm where there is one: etcd fsyncs every write, which on a disk makes a
/// test of 10,000 writes take minutes, and these tests check etcd's semantics, not its durability.
///
/// When etcd is not installed the test fails saying so (CI installs it with scripts/install-deps.sh): a skipped
/// etcd backend would pass without testing anything.
final class EtcdFixture: Sendable {
    struct Member: Sendable {
        let name: String
        let clientPort: Int
        let peerPort: Int
        var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    }

    let directory: URL
    let members: [Member]
    private let pids: Mutex<[String: Int32]>

    var endpoints: [EtcdEndpoint] { members.map { EtcdEndpoint(host: "127.0.0.1", port: $0.clientPort, secure: false) } }

    static func etcdPath() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/etcd"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw FixtureError("etcd is not installed (Debian's etcd-server package; scripts/install-deps.sh installs it): the etcd backend cannot be tested")
    }

    /// Starts `size` members, runs `body`, and stops every member and removes the directory whatever `body` did.
    static func withEtcd<T>(members size: Int = 1, _ body: (EtcdFixture) async throws -> T) async throws -> T {
        let fixture = try EtcdFixture(size: size)
        do {
            try await fixture.startAll()
            let result = try await body(fixture)
            await fixture.tearDown()
            return result
        } catch {
            fixture.printLogs()
            await fixture.tearDown()
            throw error
        }
    }

    private init(size: Int) throws {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("skiff-etcd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var members: [Member] = []
        for i in 0..<size {
            members.append(Member(name: "m\(i)", clientPort: try Self.freePort(), peerPort: try Self.freePort()))
        }
        self.members = members
        self.pids = Mutex([:])
    }

    private func startAll() async throws {
        let etcd = try Self.etcdPath()
        // Members of a new cluster wait for each other, so all start before any is waited for.
        var ready: [Task<Void, any Error>] = []
        for member in members { ready.append(try start(member, etcd: etcd, state: "new")) }
        for task in ready { try await task.value }
    }

    /// Starts `member` (again, after `kill(_:)`: `state` "existing" keeps its data) and returns a task that
    /// finishes once etcd logs that it serves clients, or fails when etcd exits first.
    @discardableResult
    func start(_ member: Member, etcd: String? = nil, state: String = "existing") throws -> Task<Void, any Error> {
        let cluster = members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try etcd ?? Self.etcdPath())
        process.arguments = [
            "--name", member.name,
            "--data-dir", directory.appendingPathComponent(member.name).path,
            "--listen-client-urls", member.clientURL, "--advertise-client-urls", member.clientURL,
            "--listen-peer-urls", member.peerURL, "--initial-advertise-peer-urls", member.peerURL,
            "--initial-cluster", cluster, "--initial-cluster-state", state,
            "--initial-cluster-token", directory.lastPathComponent,
        ]
        let logURL = directory.appendingPathComponent("\(member.name).log")
        if !FileManager.default.fileExists(atPath: logURL.path) { _ = FileManager.default.createFile(atPath: logURL.path, contents: nil) }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        let pipe = Pipe()
        process.standardOutput = log
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let signal = ReadySignal()
        // etcd's log goes to the file; the line saying it serves clients is the signal that it is up.
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                signal.fail(FixtureError("etcd \(member.name) exited during start-up"))
                return
            }
            log.write(data)
            signal.scan(String(decoding: data, as: UTF8.self))
        }
        try process.run()
        pids.withLock { $0[member.name] = process.processIdentifier }
        return Task { try await signal.wait() }
    }

    /// The member's PID while it runs.
    func pid(_ member: Member) -> Int32? { pids.withLock { $0[member.name] } }

    /// Stops a member by its PID with `signal` (SIGKILL: as a crash) and waits for it to exit.
    func kill(_ member: Member, signal: Int32 = SIGKILL) async {
        guard let pid = pids.withLock({ $0.removeValue(forKey: member.name) }) else { return }
        Glibc.kill(pid, signal)
        _ = try? await Self.onOwnThread { var status: Int32 = 0; waitpid(pid, &status, 0) }
    }

    private func tearDown() async {
        for member in members { await kill(member, signal: SIGTERM) }
        try? FileManager.default.removeItem(at: directory)
    }

    private func printLogs() {
        for member in members {
            let log = (try? String(contentsOf: directory.appendingPathComponent("\(member.name).log"), encoding: .utf8)) ?? ""
            print("etcd \(member.name) log (last lines):\n" + log.split(separator: "\n").suffix(20).joined(separator: "\n"))
        }
    }

    /// A free TCP port on 127.0.0.1 (bound to port 0, then released for etcd).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw FixtureError("cannot find a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Blocking work (waitpid) off the cooperative pool.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}

/// Resolves once etcd's log says it serves clients.
private final class ReadySignal: Sendable {
    private struct State {
        var tail = ""
        var result: Result<Void, FixtureError>?
        var waiter: CheckedContinuation<Void, any Error>?
    }
    private let state = Mutex(State())

    func scan(_ text: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard state.result == nil else { return nil }
            state.tail = String((state.tail + text).suffix(4096))
            guard state.tail.contains("ready to serve client requests") else { return nil }
            state.result = .success(())
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func fail(_ error: FixtureError) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard state.result == nil else { return nil }
            state.result = .failure(error)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }

    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, FixtureError>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension EtcdFixture {
    /// Runs etcdctl (Debian's etcd-client) against `members` and returns what it printed.
    func etcdctl(_ arguments: [String], members: [Member]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let endpoints = (members ?? self.members).map(\.clientURL).joined(separator: ",")
        process.arguments = ["etcdctl", "--endpoints=\(endpoints)", "--command-timeout=30s"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["ETCDCTL_API": "3"]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("etcdctl \(arguments.joined(separator: " ")): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The member that is raft leader now, as the running members see it (`etcdctl endpoint status`, whose
    /// fifth column says whether the endpoint is the leader).
    func leader(among candidates: [Member]? = nil) throws -> Member? {
        let candidates = candidates ?? members
        let lines = try etcdctl(["endpoint", "status"], members: candidates).split(separator: "\n")
        for line in lines {
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count > 4, fields[4] == "true" else { continue }
            return candidates.first { fields[0].hasSuffix(":\($0.clientPort)") }
        }
        return nil
    }

    func endpoint(_ member: Member) -> EtcdEndpoint { EtcdEndpoint(host: "127.0.0.1", port: member.clientPort, secure: false) }
}
