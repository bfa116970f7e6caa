import ArgumentParser
import Cluster
import Foundation
import Logging

/// `skiff port-publisher`: one `--port` mapping of a cluster (kind's `extraPortMappings`), run by the
/// cluster's supervisor: listens on the host's loopback, dials the node from inside its namespace.
struct PortPublisherCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port-publisher", abstract: "Publish a node's port on the host's loopback (run by the cluster supervisor).")

    @Option(help: "Loopback address and port to listen on, e.g. 127.0.0.1:8080.") var listen: String
    @Option(help: "tcp or udp.") var `protocol` = "tcp"
    @Option(help: "The node's network namespace (/run/netns/skiff-N).") var netns: String
    @Option(help: "The node's address and port, dialled from inside --netns.") var target: String
    @Option(help: "The cluster's directory (marks the process as the cluster's for `skiff delete cluster`).") var clusterRoot: String?
    @Option(help: "Log level.") var logLevel = "info"

    func run() async throws {
        _ = LoggingSetup.bootstrap(level: logLevel)
        guard let proto = PortMapping.Proto(rawValue: self.protocol) else { throw ValidationError("--protocol must be tcp or udp") }
        guard let (listenHost, hostPort) = Self.split(listen), listenHost.hasPrefix("127.") else {
            throw ValidationError("--listen must be a loopback IPv4 address and port, e.g. 127.0.0.1:8080")
        }
        guard let (nodeHost, nodePort) = Self.split(target) else { throw ValidationError("--target must be IPv4:port") }
        var publisher = PortPublisher(
            mapping: PortMapping(hostPort: hostPort, nodePort: nodePort, proto: proto, listenAddress: listenHost),
            netnsPath: netns, nodeAddress: nodeHost)
        publisher.logger = Logger(label: "port-publisher")
        let configured = publisher
        try await SignalHandling.runUntilTerminated {
            try await configured.run()
        }
    }

    static func split(_ text: String) -> (String, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = PortMapping.port(parts[1]) else { return nil }
        return (String(parts[0]), port)
    }
}
