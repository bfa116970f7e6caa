import ArgumentParser

/// The `skiff` command tree. Started by main.swift (not `@main`): see there why.
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "Kubernetes, written in Swift: API server, storage and the tools around them.",
        subcommands: [
            CreateCommand.self, AddCommand.self, PauseCommand.self, UnpauseCommand.self, StartCommand.self, StopCommand.self, DeleteCommand.self, GetCommand.self, LogsCommand.self, LoadCommand.self, ExecCommand.self,
            APIServerCommand.self, SchedulerCommand.self, ControllerManagerCommand.self, KubeletCommand.self, NodeSimulatorCommand.self, DNSCommand.self, ProxyCommand.self, IngressCommand.self, PortPublisherCommand.self, SuperviseCommand.self, BenchCommand.self,
        ])

    /// Parses the arguments and runs the chosen command; exits the process on an error.
    static func parseAndRun() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
