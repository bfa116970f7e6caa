import APIMachinery
import ArgumentParser
import Cluster
import Foundation
import PKI

/// The path of the running `skiff` binary, so the supervisor starts the very same build.
func currentExecutable() -> URL {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return URL(fileURLWithPath: path)
    }
    return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
}

/// Where `create cluster` merges its kubeconfig: `--kubeconfig`, else `$KUBECONFIG` (its first path), else
/// `~/.kube/config` — as kind does.
func kubeconfigPath(_ explicit: String?) -> URL {
    KubeconfigFile.pathForMerge(explicitPath: explicit, environment: ProcessInfo.processInfo.environment,
                                homeDirectory: FileManager.default.homeDirectoryForCurrentUser)
}

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a cluster.", subcommands: [CreateCluster.self])
}

struct CreateCluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Create a local Kubernetes cluster.")

    @Option(help: "Cluster name.") var name = "skiff"
    @Option(help: "Number of nodes (the first is the control plane).") var nodes = 1
    @Option(help: "Node runtime: containerd (real nodes: a network namespace, containerd and CNI each) or simulated (no containers).")
    var runtime = "containerd"
    @Option(help: "Longest wait for the nodes to be Ready, e.g. 120s or 2m; 0s returns once the control plane answers.")
    var wait = "120s"
    @Option(help: "Kubeconfig to merge the cluster's context into.") var kubeconfig: String?
    @Flag(help: "Keep the cluster if it fails to come up, to read its logs.") var retain = false
    @Option(help: "A kind-style cluster config (kind: Cluster, nodes: [{role: control-plane}, {role: worker}, ...]).")
    var config: String?
    @Option(name: .customLong("port"),
            help: "Publish the control-plane node's port on the host's loopback: HOST:NODEPORT[/tcp|udp], e.g. 8080:30080 (repeatable).")
    var ports: [String] = []
    @Option(help: "Where the API server keeps objects: sqlite (embedded, the default) or etcd (a supervised etcd member; `skiff logs etcd`).")
    var store = "sqlite"

    func run() async throws {
        guard let seconds = parseWait(wait) else { throw ValidationError("--wait: a duration such as 0s, 90s or 2m") }
        var name = self.name
        var nodes = self.nodes
        var mappings: [PortMapping] = []
        if let config {
            let c = try ClusterConfigFile.load(path: config)
            nodes = c.nodes
            if let n = c.name, self.name == "skiff" { name = n }
            mappings = c.portMappings
        }
        do {
            mappings += try ports.map(PortMapping.parse)
        } catch let e as PortMapping.ParseError {
            throw ValidationError(e.description)
        }
        do {
            var creator = ClusterCreator(executable: currentExecutable())
            creator.retainOnFailure = retain
            try await creator.create(
                name: name, nodes: nodes, runtime: runtime, wait: .seconds(seconds), kubeconfigPath: kubeconfigPath(kubeconfig),
                portMappings: mappings, store: store)
        } catch let e as ClusterError {
            throw ValidationError(e.description)
        }
    }
}

/// `120s`, `2m`, `1m30s`, `0`: whole seconds.
func parseWait(_ text: String) -> Int? {
    if let n = Int(text) { return n }
    var total = 0, number = ""
    for ch in text {
        if ch.isNumber { number.append(ch); continue }
        guard let n = Int(number) else { return nil }
        switch ch {
        case "h": total += n * 3600
        case "m": total += n * 60
        case "s": total += n
        default: return nil
        }
        number = ""
    }
    return number.isEmpty ? total : nil
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a cluster again.", subcommands: [StartCluster.self])
}

/// `skiff start cluster --name N`: a cluster whose processes are gone (a reboot, a kill -9) comes back with
/// its objects, images and certificates.
struct StartCluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Start a cluster whose processes are not running (after `skiff stop cluster`, a reboot or a kill).")
    @Option(help: "Cluster name.") var name = "skiff"
    @Option(help: "Longest wait for the nodes to be Ready, e.g. 120s or 2m; 0s returns once the control plane answers.")
    var wait = "120s"

    func run() async throws {
        guard let seconds = parseWait(wait) else { throw ValidationError("--wait: a duration such as 0s, 90s or 2m") }
        do {
            try await ClusterCreator(executable: currentExecutable()).start(name: name, wait: .seconds(seconds))
        } catch let e as ClusterError {
            throw ValidationError(e.description)
        }
    }
}

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop clusters, keeping them to start again.",
                                                    subcommands: [StopCluster.self, StopClusters.self])
}

/// `skiff stop cluster --name N`: k3d's `cluster stop` and minikube's `stop` — every process of the cluster
/// goes, its objects, images and certificates stay; `skiff start cluster --name N` brings it back.
struct StopCluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Stop a cluster's processes, keeping everything to start it again.",
        discussion: """
            Stops the control plane, the kubelets, every pod's containers and each node's containerd, and removes \
            what a reboot would (the nodes' network namespaces, mounts and cgroups); the store, certificates, \
            images and node directories are kept. `skiff start cluster` starts it again, with the same objects; \
            the pods are started afresh on their nodes.
            """)
    @Option(help: "Cluster name.") var name = "skiff"

    func run() async throws {
        try await stopClusters([name], skippingStopped: false)
    }
}

struct StopClusters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clusters", abstract: "Stop clusters by name, or every running one.")
    @Argument(help: "Cluster names.") var names: [String] = []
    @Flag(help: "Stop every running cluster.") var all = false

    func run() async throws {
        try await stopClusters(all ? ClusterPaths.existingClusters() : names, skippingStopped: all)
    }
}

func stopClusters(_ names: [String], skippingStopped: Bool) async throws {
    let manager = ClusterManager(executable: currentExecutable(), sandboxCleaner: NodeRuntimeHooks.sandboxCleaner)
    for name in names {
        let paths = ClusterPaths(name: name)
        guard FileManager.default.fileExists(atPath: paths.spec.path) else { throw ValidationError("unknown cluster \"\(name)\"") }
        if ClusterManager.state(paths).isStopped {
            if skippingStopped { continue }
            throw ValidationError("cluster \"\(name)\" is not running (already stopped): start it with `skiff start cluster --name \(name)`")
        }
        print("Stopping cluster \"\(name)\" ...")
        let started = ContinuousClock.now
        do {
            try await manager.stop(name: name)
        } catch let e as ClusterError {
            throw ValidationError(e.description)
        }
        print("Stopped cluster \"\(name)\" in \(ClusterCreator.seconds(ContinuousClock.now - started)); start it again with `skiff start cluster --name \(name)`.")
    }
}

struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete clusters.", subcommands: [DeleteCluster.self, DeleteClusters.self, DeleteNode.self])
}

struct DeleteCluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Delete a cluster.",
        discussion: """
            Stops the cluster's processes and removes everything it holds, as `kind delete cluster` does: \
            its nodes, store, logs and its persistent volumes — the data of every PersistentVolume the \
            built-in local-path provisioner made (kept under $SKIFF_HOME/clusters/<name>/nodes/<node>/local-path), \
            whatever their reclaim policy. Copy out any data you want to keep first.
            """)
    @Option(help: "Cluster name.") var name = "skiff"
    @Option(help: "Kubeconfig to remove the cluster's entries from.") var kubeconfig: String?

    func run() async throws {
        try await deleteClusters([name], kubeconfig: kubeconfig)
    }
}

struct DeleteClusters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusters", abstract: "Delete clusters by name, or all of them.",
        discussion: "Each cluster goes as with `skiff delete cluster`: with its persistent volumes' data.")
    @Argument(help: "Cluster names.") var names: [String] = []
    @Flag(help: "Delete every cluster.") var all = false
    @Option(help: "Kubeconfig to remove the clusters' entries from.") var kubeconfig: String?

    func run() async throws {
        let targets = all ? ClusterPaths.existingClusters() : names
        try await deleteClusters(targets, kubeconfig: kubeconfig)
    }
}

func deleteClusters(_ names: [String], kubeconfig: String?) async throws {
    let manager = ClusterManager(executable: currentExecutable(), sandboxCleaner: NodeRuntimeHooks.sandboxCleaner)
    for name in names {
        print("Deleting cluster \"\(name)\" ...")
        try await manager.delete(name: name)
        _ = try? KubeconfigFile.removeEntries(named: "skiff-\(name)", from: kubeconfigPath(kubeconfig))
    }
    if names.count > 1 { print("Deleted clusters: \(names)") }
}

struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "List clusters, nodes, kubeconfigs.",
                                                    subcommands: [GetClusters.self, GetNodes.self, GetKubeconfig.self])
}

struct GetClusters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clusters", abstract: "List clusters.")
    @Option(name: .shortAndLong, help: "wide: a table with each cluster's status (Running, Stopped, or Degraded when components outlived a killed supervisor), runtime and nodes.")
    var output: String?

    func run() throws {
        guard output == nil || output == "wide" else { throw ValidationError("--output: only wide (or nothing, for the names alone)") }
        let names = ClusterPaths.existingClusters()
        if names.isEmpty { FileHandle.standardError.write(Data("No skiff clusters found.\n".utf8)) }
        // The names alone by default, as kind prints them, so scripts that loop over them keep working.
        guard output == "wide" else {
            for n in names { print(n) }
            return
        }
        if names.isEmpty { return }
        var rows = [["NAME", "STATUS", "RUNTIME", "NODES"]]
        for n in names {
            let paths = ClusterPaths(name: n)
            let spec = try? ClusterSpec.load(from: paths.spec)
            rows.append([n, ClusterManager.state(paths).description, spec?.runtime ?? "?", spec.map { String($0.nodes.count) } ?? "?"])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            print(zip(row, widths).map { $0.padding(toLength: $1 + 3, withPad: " ", startingAt: 0) }.joined().trimmingCharacters(in: .whitespaces))
        }
    }
}

struct GetNodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "nodes", abstract: "List a cluster's nodes.")
    @Option(help: "Cluster name.") var name = "skiff"
    func run() throws {
        let spec = try ClusterSpec.load(from: ClusterPaths(name: name).spec)
        for n in spec.nodes { print(n.name) }
    }
}

struct GetKubeconfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubeconfig", abstract: "Print a cluster's admin kubeconfig.")
    @Option(help: "Cluster name.") var name = "skiff"
    func run() throws {
        let paths = ClusterPaths(name: name)
        let spec = try ClusterSpec.load(from: paths.spec)
        let pki = try ClusterPKI.load(from: paths.pki, clusterName: name)
        print(try pki.adminKubeconfig(server: "https://127.0.0.1:\(spec.apiServerPort)").yaml, terminator: "")
    }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a component's log, or the API server's audit log.")
    @Argument(help: "apiserver, etcd (--store etcd), scheduler, controller-manager, kubelet, containerd, proxy, dns, supervisor, or audit (the API server's audit events, one JSON object a line).") var component: String
    @Option(help: "Cluster name.") var name = "skiff"
    @Option(help: "Node, for node components (default: the control-plane node).") var node: String?
    @Flag(name: .shortAndLong, help: "Keep printing as the log grows.") var follow = false

    func run() async throws {
        let paths = ClusterPaths(name: name)
        let spec = try ClusterSpec.load(from: paths.spec)
        var file = component
        // A simulated node's kubelet logs into the node simulator's log, its lines tagged `node=NAME`.
        var onlyLinesWith: String?
        if component == "kubelet" || component == "containerd" || component == "proxy" {
            let nodeName = node ?? spec.nodes[0].name
            guard let entry = spec.nodes.first(where: { $0.name == nodeName }) else { throw ValidationError("unknown node: \(nodeName)") }
            if spec.isSimulated(entry) {
                guard component == "kubelet" else { throw ValidationError("node \(nodeName) is simulated: it runs no \(component)") }
                file = ClusterComponents.nodeSimulatorComponent
                onlyLinesWith = "node=\(nodeName)"
            } else {
                file = "\(component)-\(nodeName)"
            }
        }
        let url = paths.log(file)
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ValidationError("no log for \(component) in cluster \(name)")
        }
        var pending = Data()
        func emit(_ data: Data) {
            guard let needle = onlyLinesWith else { return FileHandle.standardOutput.write(data) }
            pending.append(data)
            guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return }
            let complete = pending[..<pending.index(after: lastNewline)]
            let lines = String(decoding: complete, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let kept = lines.filter { $0.contains(needle) }.map { $0 + "\n" }.joined()
            FileHandle.standardOutput.write(Data(kept.utf8))
            pending = Data(pending[pending.index(after: lastNewline)...])
        }
        emit(handle.readDataToEndOfFile())
        while follow {
            try await Task.sleep(for: .milliseconds(200))
            let more = handle.readDataToEndOfFile()
            if !more.isEmpty { emit(more) }
        }
    }
}

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load", abstract: "Load images into a cluster's nodes.", subcommands: [LoadImageArchive.self])
}

struct LoadImageArchive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image-archive", abstract: "Import OCI/docker image archives into every node.")
    @Argument(help: "Image archives.") var files: [String]
    @Option(help: "Cluster name.") var name = "skiff"
    @Option(help: "Comma-separated nodes to load into (default: every node).") var nodes: String?

    func run() async throws {
        let paths = ClusterPaths(name: name)
        guard let spec = try? ClusterSpec.load(from: paths.spec) else { throw ValidationError("no nodes found for cluster \"\(name)\"") }
        for f in files where !FileManager.default.fileExists(atPath: f) { throw ValidationError("no such file: \(f)") }
        if spec.runtime == "simulated" {
            print("Cluster \"\(name)\" runs simulated nodes, which run no containers: nothing to load (\(files.count) archive(s) left as they are).")
            return
        }
        let loader = ImageArchiveLoader(spec: spec, paths: paths)
        do {
            let targets = try loader.nodes(named: (nodes ?? "").split(separator: ",").map(String.init))
            for done in try await loader.load(archives: files, into: targets) {
                for image in done.images {
                    print("Image: \"\(image.name)\" with ID \"\(image.digest)\" loaded into node \"\(done.node)\"")
                }
            }
        } catch let e as ClusterError {
            throw ValidationError(e.description)
        }
    }
}

struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add to a cluster.", subcommands: [AddNode.self])
}

/// `skiff add node --name CLUSTER [--simulated]`: one more (simulated) node in a running cluster.
struct AddNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "Add a node to a running cluster.")

    @Option(help: "Cluster name.") var name = "skiff"
    @Flag(help: "A simulated node (no containers), run by the cluster's node simulator; the only kind that can be added so far (a simulated cluster's nodes always are).") var simulated = false
    @Option(help: "Longest wait for the node to be Ready, e.g. 60s; 0s returns once it is started.") var wait = "60s"

    func run() async throws {
        guard let seconds = parseWait(wait) else { throw ValidationError("--wait: a duration such as 0s, 90s or 2m") }
        let node = try await reportingClusterErrors { try await NodeAdder().add(cluster: name, simulated: simulated, wait: .seconds(seconds)) }
        print("Added node \"\(node)\" to cluster \"\(name)\".")
    }
}

/// `skiff supervise`: the per-cluster process supervisor `create cluster` starts (not for users).
struct SuperviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "supervise", abstract: "Run a cluster's components (internal).", shouldDisplay: false)
    @Option var name: String
    static let stopGrace: Duration = .seconds(50)

    func run() async throws {
        let paths = ClusterPaths(name: name)
        let spec = try ClusterSpec.load(from: paths.spec)
        try ProcessControl.writePID(getpid(), to: paths.supervisorPID)
        let teardown = {
            var t = NodeTeardown(spec: spec, paths: paths)
            t.log = { FileHandle.standardError.write(Data("\(RFC3339.time()) supervisor: \($0)\n".utf8)) }
            return t
        }()
        let supervisor = Supervisor(paths: paths, executable: currentExecutable(), components: ClusterComponents.list(spec: spec, paths: paths),
                                    beforeStoppingInfrastructure: { await teardown.removeSandboxes(with: NodeRuntimeHooks.sandboxCleaner) })
        // SIGHUP (from `skiff add node`): the spec lists more components; start the new ones.
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            guard let spec = try? ClusterSpec.load(from: paths.spec) else { return }
            supervisor.adopt(ClusterComponents.list(spec: spec, paths: paths))
        }
        reload.resume()
        defer { reload.cancel() }
        // The supervisor's own way down is ordered and as long as its components' grace periods (each
        // component up to 5 s, then every sandbox through CRI, then containerd): exiting after the usual
        // 3 s would leave the rest running for `skiff stop cluster` to find by PID file. The commands that
        // stop it wait 60 s before a SIGKILL.
        try await SignalHandling.runUntilTerminated(grace: Self.stopGrace) {
            await supervisor.run()
        }
        try? FileManager.default.removeItem(at: paths.supervisorPID)
    }
}

/// `skiff exec NODE [-it] [-- COMMAND...]`: kind's `docker exec -it NODE bash` — a command (or a shell)
/// inside a node: its network, its hostname, `ctr`/`crictl` pointed at its containerd (`NodeShell`).
struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command (default: a shell) inside a node, as `docker exec` does with kind's nodes.")
    @Option(help: "Cluster name (default: the cluster that has the node).") var name: String?
    @Flag(name: .short, help: "Keep standard input open (accepted for docker's habits: the command always has this terminal's input).")
    var i = false
    @Flag(name: .short, help: "Allocate a terminal (accepted for docker's habits: the command runs on this terminal).")
    var t = false
    @Argument(help: "The node, e.g. skiff-control-plane.") var node: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.") var command: [String] = []

    func run() throws {
        var words = command
        if words.first == "--" { words.removeFirst() }
        let shell: NodeShell
        do {
            let found = try NodeShell.locate(node: node, cluster: name)
            shell = try NodeShell(spec: found.spec, paths: found.paths, index: found.index, command: words)
        } catch let e as ClusterError {
            throw ValidationError(e.description)
        }
        try shell.installTools()
        for (k, v) in shell.environment { setenv(k, v, 1) }
        let argv = shell.arguments.map { strdup($0) } + [nil]
        execv(shell.program, argv)
        throw ValidationError("cannot run \(shell.program): \(String(cString: strerror(errno)))")
    }
}
