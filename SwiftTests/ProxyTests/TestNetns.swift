import APIMachinery
import Foundation

@testable import Proxy

/// Root-only fixtures: temporary network namespaces and processes in them, always cleaned up.
enum Root {
    /// The integration tests need root, `ip`, `nft` and busybox (CI runs as root with them installed).
    static let available: Bool = getuid() == 0
        && ["ip", "nft", "busybox"].allSatisfy { CommandRunner.resolve($0).hasPrefix("/") }
}

/// A network namespace named `skiff-ptest-<random>`, with `lo` up, deleted by `remove()`.
struct TestNetns: Sendable {
    let name: String

    static func create(_ tag: String = "") async throws -> TestNetns {
        let name = "skiff-ptest-\(tag)\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        try await CommandRunner.check(["ip", "netns", "add", name])
        let ns = TestNetns(name: name)
        do { try await ns.exec(["ip", "link", "set", "lo", "up"]) } catch {
            await ns.remove()
            throw error
        }
        return ns
    }

    @discardableResult
    func exec(_ argv: [String], input: Data? = nil, timeout: Duration = .seconds(20)) async throws -> CommandResult {
        try await CommandRunner.check(["ip", "netns", "exec", name] + argv, input: input, timeout: timeout)
    }

    func run(_ argv: [String], timeout: Duration = .seconds(20)) async throws -> CommandResult {
        try await CommandRunner.run(["ip", "netns", "exec", name] + argv, timeout: timeout)
    }

    func remove() async {
        _ = try? await CommandRunner.run(["ip", "netns", "del", name])
    }
}

/// Runs `body` with fresh namespaces, removing them however it ends.
func withNetns<T>(_ count: Int, _ body: ([TestNetns]) async throws -> T) async throws -> T {
    var made: [TestNetns] = []
    do {
        for i in 0..<count { made.append(try await TestNetns.create("\(i)")) }
        let r = try await body(made)
        for n in made { await n.remove() }
        return r
    } catch {
        for n in made { await n.remove() }
        throw error
    }
}

/// The table as nft lists it, reduced to what must match between two ways of getting to the same state:
/// each chain's rules in order, each map's and set's elements as a set (handles and element order dropped).
struct TableState: Equatable, CustomStringConvertible {
    var chains: [String: [String]] = [:]
    var elements: [String: Set<String>] = [:]
    var sets: [String: String] = [:]

    init(_ json: JSON) {
        for item in json["nftables"]?.array ?? [] {
            if let c = item["chain"], let n = c["name"]?.string {
                chains[n] = chains[n] ?? []
            } else if let r = item["rule"], let c = r["chain"]?.string {
                chains[c, default: []].append(r["expr"]?.jsonString ?? "")
            } else if let s = item["set"] ?? item["map"], let n = s["name"]?.string {
                elements[n] = Set((s["elem"]?.array ?? []).map(\.jsonString))
                sets[n] = "\(s["type"]?.jsonString ?? "") \(s["timeout"]?.jsonString ?? "")"
            }
        }
    }

    var description: String { "\(chains.count) chains, \(elements.values.map(\.count).reduce(0, +)) elements" }
}

/// A page served by busybox httpd inside a test namespace (the traffic tests' "pod"), until `stop()`.
final class StaticHTTPServer {
    private let httpd = Process()
    private let directory: URL

    init(netns: String, page: String, port: Int = 8080) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("skiff-test-www-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(page.utf8).write(to: directory.appendingPathComponent("index.html"))
        httpd.executableURL = URL(fileURLWithPath: CommandRunner.resolve("ip"))
        // `ip netns exec` execs busybox, so this PID is the server's.
        httpd.arguments = ["netns", "exec", netns, CommandRunner.resolve("busybox"), "httpd", "-f", "-p", String(port), "-h", directory.path]
        httpd.standardOutput = FileHandle.nullDevice
        httpd.standardError = FileHandle.nullDevice
        do { try httpd.run() } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func stop() {
        kill(httpd.processIdentifier, SIGKILL)
        httpd.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }
}
