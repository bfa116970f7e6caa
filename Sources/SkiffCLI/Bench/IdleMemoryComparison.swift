import Client
import Foundation

/// `skiff bench api --compare-idle-with OLD`: the API server's idle resident memory of this build against
/// another `skiff` executable's, both measured in the same run, alternately, so that the machine's state
/// weighs on both sides alike (a figure from another day is not a comparison). Each round starts a
/// server with an empty SQLite store, waits for `/readyz`, lets it settle and reads VmRSS.
struct IdleMemoryComparison {
    let baseline: String
    let rounds: Int
    let settle: Duration

    func run() async throws {
        var ours: [Double] = [], theirs: [Double] = []
        for round in 1...rounds {
            for (label, executable) in [("this build", BenchAPIServer.executable), ("baseline", baseline)] {
                let rss = try await idleRSS(executable)
                if label == "baseline" { theirs.append(rss) } else { ours.append(rss) }
                print(String(format: "round %d, %@: idle RSS %.1f MiB", round, label, rss))
            }
        }
        let a = median(ours), b = median(theirs)
        print(String(format: "idle RSS, median of %d: this build %.1f MiB, baseline %.1f MiB, difference %+.1f MiB (%+.1f MB)",
                     rounds, a, b, a - b, (a - b) * 1.048576))
    }

    private func idleRSS(_ executable: String) async throws -> Double {
        let port = BenchAPIServer.port()
        let client = KubeClient(ClientConfig(server: "http://127.0.0.1:\(port)", userAgent: "skiff-bench"))
        let server = try await BenchAPIServer(storage: "sqlite", probe: client, port: port, executable: executable)
        defer { server.stop() }
        try await Task.sleep(for: settle)
        return residentMiB(pid: server.pid)
    }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
