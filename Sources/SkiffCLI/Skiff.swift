import ArgumentParser

@main
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "Kubernetes, written in Swift: API server, storage and the tools around them.",
        subcommands: [APIServerCommand.self, KubeletCommand.self, BenchCommand.self])
}
