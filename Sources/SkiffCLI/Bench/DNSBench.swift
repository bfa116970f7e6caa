import ArgumentParser
import Benchmarks
import DNS

/// `skiff bench dns`: UDP query load against a running DNS server.
struct DNSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dns", abstract: "Measure a DNS server's queries per second over UDP.")

    @Option(help: "Server to load (IP:port). Without it, an in-process server with a fixture cluster is started on 127.0.0.1.")
    var server: String?
    @Option(help: "Seconds to run.") var duration: Int = 5
    @Option(help: "Concurrent clients (threads), each with one query in flight.") var concurrency: Int = 4
    @Option(parsing: .upToNextOption, help: "Names to ask for (A), in turn.")
    var names: [String] = ["kubernetes.default.svc.cluster.local", "kube-dns.kube-system.svc.cluster.local", "nope.default.svc.cluster.local"]

    func run() async throws {
        let duration = min(max(duration, 1), 300)
        let concurrency = min(max(concurrency, 1), 256)
        var target: ListenAddress
        var local: DNSServer?
        if let server {
            guard let a = ListenAddress(server) else { throw ValidationError("--server must be IP:port") }
            target = a
        } else {
            let state = ClusterState()
            state.applyNamespace("default")
            state.applyNamespace("kube-system")
            state.applyService(["metadata": ["name": "kubernetes", "namespace": "default"],
                                "spec": ["clusterIP": "10.96.0.1", "ports": [["name": "https", "port": 443, "protocol": "TCP"]]]])
            state.applyService(["metadata": ["name": "kube-dns", "namespace": "kube-system"],
                                "spec": ["clusterIP": "10.96.0.10", "ports": [["name": "dns", "port": 53, "protocol": "UDP"]]]])
            let s = try await DNSServer.start(resolver: ClusterResolver(config: .standard, state: state), listen: ListenAddress("127.0.0.1:0")!)
            local = s
            target = s.address
            print("in-process server on \(target)")
        }
        let result = try await DNSBenchmark.run(server: target, duration: .seconds(duration), concurrency: concurrency,
                                                names: try names.map { try DNSName($0) })
        print("dns: \(concurrency) clients, \(duration) s against \(target): \(result)")
        await local?.shutdown()
    }
}
