import ArgumentParser
import Cluster

/// `skiff delete node --name CLUSTER NODE`: a simulated worker taken out of a running cluster.
struct DeleteNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Remove a simulated node from a running cluster.",
        discussion: "The node simulator stops running it and its Node object is deleted; the pods bound to it are then garbage-collected.")
    @Option(help: "Cluster name.") var name = "skiff"
    @Argument(help: "The node's name.") var node: String

    func run() async throws {
        try await reportingClusterErrors { try await NodeChanges(cluster: name).remove(node: node) }
        print("Deleted node \"\(node)\" from cluster \"\(name)\".")
    }
}

/// `skiff pause node` / `skiff unpause node`: what `docker pause` / `docker unpause` of a node container
/// are on kind — the node goes silent, and the node lifecycle controller's reaction can be watched.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze a node.", subcommands: [PauseNode.self])
}

struct UnpauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", abstract: "Thaw a frozen node.", subcommands: [UnpauseNode.self])
}

struct PauseNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Freeze a node: its kubelet stops heartbeating and syncing pods.",
        discussion: "A simulated node stops entirely; a real node's kubelet is stopped (SIGSTOP) while its containers keep running.")
    @Option(help: "Cluster name.") var name = "skiff"
    @Argument(help: "The node's name.") var node: String

    func run() async throws {
        try await reportingClusterErrors { try NodeChanges(cluster: name).setPaused(node: node, true) }
        print("Paused node \"\(node)\" of cluster \"\(name)\".")
    }
}

struct UnpauseNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "Thaw a node `skiff pause node` froze.")
    @Option(help: "Cluster name.") var name = "skiff"
    @Argument(help: "The node's name.") var node: String

    func run() async throws {
        try await reportingClusterErrors { try NodeChanges(cluster: name).setPaused(node: node, false) }
        print("Unpaused node \"\(node)\" of cluster \"\(name)\".")
    }
}
