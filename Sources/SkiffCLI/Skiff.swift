import ArgumentParser

@main
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "Kubernetes, written in Swift: API server, storage and the tools around them.",
        subcommands: [
            CreateCommand.self, AddCommand.self, StartCommand.self, StopCommand.self, DeleteCommand.self, GetCommand.self, LogsCommand.self, LoadCommand.self, ExecCommand.self,
            APIServerCommand.self, SchedulerCommand.self, ControllerManagerCommand.self, KubeletCommand.self, DNSCommand.self, ProxyCommand.self, IngressCommand.self, PortPublisherCommand.self, SuperviseCommand.self, BenchCommand.self,
        ])

    static func main() async {
        SignalHandling.unblockTerminationSignals()
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
