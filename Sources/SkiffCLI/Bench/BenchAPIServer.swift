import APIMachinery
import Client
import Foundation

/// A `skiff apiserver` child process that a benchmark measures or builds on: plain HTTP (or HTTPS when the
/// caller passes TLS arguments) on a loopback port derived from the bench's PID, its store in a temporary
/// directory removed on `stop()`.
final class BenchAPIServer {
    let process = Process()
    let port: Int
    let directory: String
    let scheme: String
    /// How long the server took from spawn to answering `/readyz` 200.
    private(set) var coldStart: Duration = .zero

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var pid: Int32 { process.processIdentifier }

    /// Spawns the server (`executable apiserver`, this one by default) and returns once `/readyz` answers 200
    /// to `client`. `arguments` are appended to the command line; `https` says they make it serve TLS.
    init(storage: String, probe client: KubeClient, port: Int, executable: String = BenchAPIServer.executable,
         arguments: [String] = [], https: Bool = false) async throws {
        self.port = port
        scheme = https ? "https" : "http"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["apiserver", "--storage", storage, "--data-dir", directory, "--port", String(port), "--log-level", "warning"] + arguments
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let started = ContinuousClock.now
        try process.run()
        while true {
            if (try? await client.raw(.GET, "/readyz"))?.status == 200 { break }
            if ContinuousClock.now - started > .seconds(20) {
                stop()
                throw BenchError("the API server did not become ready")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        coldStart = ContinuousClock.now - started
    }

    /// The port a bench run uses, distinct per concurrent bench process.
    static func port() -> Int { 20000 + Int(getpid() % 10000) }

    /// This `skiff` executable, to spawn components of the same build.
    static var executable: String { URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path }

    /// Writes a kubeconfig for components spawned against this server (no credentials: plain HTTP).
    func writeKubeconfig() throws -> String {
        let path = directory + "/kubeconfig"
        var config = Kubeconfig()
        config.setCluster("bench", ["server": .string(url)])
        config.setUser("bench", [:])
        config.setContext("bench", ["cluster": "bench", "user": "bench"])
        config.currentContext = "bench"
        let text = config.yaml
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
