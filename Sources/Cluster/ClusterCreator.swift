import APIMachinery
import Client
import Foundation
import PKI

/// `skiff create cluster`: everything a cluster needs on disk (and, for real nodes, on the host), a
/// supervisor that runs its processes, and the wait until it is usable — the node(s) Ready and the
/// control-plane pods Running.
public struct ClusterCreator: Sendable {
    public let executable: URL
    public var progress: @Sendable (String) -> Void = { print($0) }
    /// Keep a cluster that failed to come up, for a look at its logs (kind's `--retain`).
    public var retainOnFailure = false
    /// How long the API server and the nodes' containerds get when `wait` is zero (not waiting for Ready).
    public var startupTimeout: Duration = .seconds(60)

    public init(executable: URL) {
        self.executable = executable
    }

    /// Creates the cluster. `wait` bounds the wait for every node Ready and the control-plane pods
    /// Running; zero (kind's default) returns once the API server answers and every node's containerd
    /// serves with the pause image imported.
    public func create(name: String, nodes: Int, runtime: String, wait: Duration, kubeconfigPath: URL,
                       portMappings: [PortMapping] = [], store: String = "sqlite") async throws {
        try ClusterManager.validate(name: name)
        guard runtime == "containerd" || runtime == "simulated" else {
            throw ClusterError("unknown runtime \"\(runtime)\": use containerd or simulated")
        }
        guard store == "sqlite" || store == "etcd" else {
            throw ClusterError("unknown store \"\(store)\": use sqlite or etcd")
        }
        if runtime == "containerd", nodes > NodeLayout.maxRealNodes {
            throw ClusterError("--nodes \(nodes): at most \(NodeLayout.maxRealNodes) real nodes fit the node network 172.30.0.0/24 (use --runtime simulated for more)")
        }
        guard PodCIDRPlan.forNodes(nodes) != nil else {
            throw ClusterError("--nodes \(nodes) is more than the pod address plan holds: at most \(PodCIDRPlan.large.capacity) nodes, a /24 each of \(PodCIDRPlan.large.clusterCIDR)")
        }
        if store == "etcd", HostCommand.which("etcd") == nil {
            throw ClusterError("--store etcd needs etcd on PATH (Debian's etcd-server package; scripts/install-deps.sh installs it)")
        }
        let paths = ClusterPaths(name: name)
        if FileManager.default.fileExists(atPath: paths.spec.path) {
            if ClusterManager.supervisorPID(paths) != nil {
                throw ClusterError("node(s) already exist for a cluster with the name \"\(name)\"")
            }
            throw ClusterError("cluster \"\(name)\" exists but its processes are not running (the machine restarted, or they were killed): "
                + "bring it back with `skiff start cluster --name \(name)`, or remove it with `skiff delete cluster --name \(name)`")
        }
        let started = ContinuousClock.now
        progress("Creating cluster \"\(name)\" ...")
        // The API server's, each kubelet's, the components' metrics listeners', and etcd's client and peer ports.
        let metricsPortCount = ClusterSpec.MetricsPorts.count(nodes: max(nodes, 1), runtime: runtime)
        let etcdPortCount = store == "etcd" ? 2 : 0
        var ports: [Int] = []
        while ports.count < max(nodes, 1) + 1 + metricsPortCount + etcdPortCount {
            let p = try ClusterManager.freePort()
            if !ports.contains(p) { ports.append(p) }
        }
        if let dup = PortMapping.duplicates(portMappings).first {
            throw ClusterError("host port \(dup.hostPort)/\(dup.proto.rawValue) is mapped twice")
        }
        if let outside = portMappings.first(where: { $0.node >= max(nodes, 1) }) {
            throw ClusterError("port mapping \(outside) names node \(outside.node), but the cluster has \(max(nodes, 1)) node(s)")
        }
        if runtime != "containerd", !portMappings.isEmpty {
            throw ClusterError("port mappings need real nodes (--runtime containerd): simulated nodes have no ports")
        }
        let hostLink = runtime == "containerd" ? try chooseHostLink(for: name) : nil
        let kubeletPorts = Array(ports[1...max(nodes, 1)])
        let metricsPorts = Array(ports[(max(nodes, 1) + 1)..<(max(nodes, 1) + 1 + metricsPortCount)])
        let etcdPorts = store == "etcd" ? ClusterSpec.EtcdPorts(client: ports[ports.count - 2], peer: ports[ports.count - 1]) : nil
        let spec = ClusterSpec.make(name: name, nodes: max(nodes, 1), runtime: runtime, port: ports[0], kubeletPorts: kubeletPorts,
                                    hostLink: hostLink, portMappings: portMappings, metricsPorts: metricsPorts, etcdPorts: etcdPorts)
        if runtime == "containerd" {
            for node in NodeLayout.all(spec: spec, paths: paths) { try node.validate() }
            try HostPackages(progress: progress).ensure(HostPackages.nodeRuntime)
            try checkNamespacesAreFree(NodeNetworkPlan(spec: spec, paths: paths))
        }
        for dir in [paths.root, paths.logs, paths.run, paths.data] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        do {
            try await build(spec: spec, paths: paths, wait: wait, kubeconfigPath: kubeconfigPath)
            progress("Created cluster \"\(name)\" in \(Self.seconds(ContinuousClock.now - started)).")
        } catch {
            progress(" ✗ \(error)")
            if retainOnFailure {
                progress("Logs are in \(paths.logs.path); the cluster is kept (--retain): delete it with `skiff delete cluster --name \(name)`.")
            } else {
                progress("Removing the half-made cluster (use --retain to keep it for a look at \(paths.logs.path)).")
                try? await ClusterManager(executable: executable).delete(name: name)
            }
            throw error
        }
    }

    /// The nodes' names, or for a big cluster the first and last few and how many.
    static func nodeList(_ names: [String]) -> String {
        guard names.count > 8 else { return names.joined(separator: ", ") }
        return (names.prefix(3) + ["…"] + names.suffix(2)).joined(separator: ", ") + " (\(names.count) nodes)"
    }

    public static func seconds(_ d: Duration) -> String {
        String(format: "%.1fs", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
    }

    /// A namespace of the plan that another cluster on this machine uses (cluster "a"'s node "a-worker"
    /// and a cluster named "a-worker" would both want `skiff-a-worker`) must not be taken over.
    func checkNamespacesAreFree(_ plan: NodeNetworkPlan) throws {
        let wanted = Set(plan.namespaces)
        for other in ClusterPaths.existingClusters() where other != plan.nodes.first?.cluster {
            let otherPaths = ClusterPaths(name: other)
            guard let spec = try? ClusterSpec.load(from: otherPaths.spec), spec.runtime == "containerd" else { continue }
            if let clash = NodeNetworkPlan(spec: spec, paths: otherPaths).namespaces.first(where: wanted.contains) {
                throw ClusterError("the network namespace \(clash) belongs to cluster \"\(other)\": choose another name")
            }
        }
    }

    /// A `HostLink` no other cluster holds and clear of every address and route the host has.
    func chooseHostLink(for name: String) throws -> HostLink {
        var taken = Set<Int>()
        for other in ClusterPaths.existingClusters() where other != name {
            if let index = (try? ClusterSpec.load(from: ClusterPaths(name: other).spec))?.hostLink?.index { taken.insert(index) }
        }
        let routes = (try? HostCommand("ip", "-o", "-4", "route", "show", "table", "all").run()) ?? ""
        let addresses = (try? HostCommand("ip", "-o", "-4", "addr", "show").run()) ?? ""
        guard let link = HostLink.choose(taken: taken, occupied: HostLink.occupiedRanges(routes: routes, addresses: addresses)) else {
            throw ClusterError("no free 172.31.N.0/24 range for the cluster's host link (each cluster takes one)")
        }
        return link
    }

    private func build(spec: ClusterSpec, paths: ClusterPaths, wait: Duration, kubeconfigPath: URL) async throws {
        let name = spec.name
        try spec.save(to: paths.spec)
        let server = "https://127.0.0.1:\(spec.apiServerPort)"

        // Real nodes' kubelets have their own identities; simulated nodes share the node simulator's.
        let real = NodeLayout.all(spec: spec, paths: paths)
        let pki = try ClusterPKI.create(
            at: paths.pki, clusterName: name, serviceIP: "10.96.0.1", extraIPs: [],
            extraDNSNames: [spec.nodes[0].name], nodeNames: real.map(\.name))
        if spec.usesEtcd { try EtcdPKIFiles(pki: paths.pki).create(member: spec.nodes[0].name) }
        for node in real {
            try pki.issueKubeletServingCertificate(nodeName: node.name, ipAddresses: ["127.0.0.1", node.ip])
        }
        if !spec.simulatedNodes.isEmpty { try pki.issueNodeSimulatorServingCertificate() }
        for who in ["scheduler", "controller-manager", "admin", "kube-proxy", "dns", "ingress", ClusterPKI.Identity.nodeSimulator.file]
            + real.map({ "kubelet-\($0.name)" }) {
            try pki.writeKubeconfig(for: who, server: server)
        }
        FileManager.default.createFile(atPath: paths.pki.appendingPathComponent("tokens.csv").path, contents: Data())
        // Secrets are encrypted at rest, as on a kubeadm cluster set up by the book.
        try EncryptionProviderConfigFile.create(at: paths.encryptionConfig)
        // Every request is audited at the Metadata level into logs/audit.log (`skiff logs audit`).
        try AuditPolicyFile.create(at: paths.auditPolicy)

        let layouts = NodeLayout.all(spec: spec, paths: paths)
        if spec.runtime == "containerd" {
            let pause = try PauseImage.ensure(packages: HostPackages(progress: progress))
            progress(" ✓ Ensuring node image (\(PauseImage.reference), \(pause.path)) 🖼")
            try NodeNetwork(plan: NodeNetworkPlan(spec: spec, paths: paths)).setUp()
            for node in layouts { try NodeRuntimeFiles.write(node) }
            progress(" ✓ Preparing nodes 📦 (\(layouts.map { "\($0.name) \($0.ip)" }.joined(separator: ", ")); namespace \(paths.clusterNetns), bridge \(NodeNetworkPlan.bridge))")
            if let link = spec.hostLink {
                progress(" ✓ Routing the host to the cluster 🛣️ (LoadBalancer pool \(link.loadBalancerPool) via \(link.hostDevice))")
            }
            for m in spec.portMappings ?? [] {
                progress(" ✓ Publishing \(m.listenAddress):\(m.hostPort) → \(layouts[m.node].name) port \(m.nodePort)/\(m.proto.rawValue)")
            }
        } else {
            progress(" ✓ Preparing nodes 📦 (\(Self.nodeList(spec.nodes.map(\.name))); runtime simulated)")
        }

        try ClusterAddons.writeStaticPods(spec: spec, paths: paths)
        progress(" ✓ Writing configuration 📜")

        try launchSupervisor(paths: paths)
        try await waitUntilUsable(spec: spec, paths: paths, wait: wait, since: Date())
        var merged = try pki.adminKubeconfig(server: server)
        merged.currentContext = pki.kubeconfigEntryName
        try KubeconfigFile.merge(merged, into: kubeconfigPath)
        progress("Set kubectl context to \"\(pki.kubeconfigEntryName)\"")
        progress("You can now use your cluster with:\n\nkubectl cluster-info --context \(pki.kubeconfigEntryName)\n")
    }

    /// Brings back a cluster whose processes are gone (a reboot, a kill -9 of its supervisor): components a
    /// dead supervisor left are stopped, the nodes' namespaces and runtime files (on tmpfs, so gone after a
    /// reboot) are made again, and a new supervisor starts everything; returns when the cluster is usable.
    /// The store, the PKI and the nodes' images are kept, so every object and image is still there.
    public func start(name: String, wait: Duration) async throws {
        let paths = ClusterPaths(name: name)
        guard let spec = try? ClusterSpec.load(from: paths.spec) else { throw ClusterError("unknown cluster \"\(name)\"") }
        if ClusterManager.supervisorPID(paths) != nil { throw ClusterError("cluster \"\(name)\" is already running") }
        let started = ContinuousClock.now
        progress("Starting cluster \"\(name)\" ...")
        await ClusterManager(executable: executable).stopLeftovers(paths: paths)
        if !spec.simulatedNodes.isEmpty { try NodeSimulatorCredentials.ensure(paths: paths, spec: spec) }
        if spec.runtime == "containerd" {
            let plan = NodeNetworkPlan(spec: spec, paths: paths)
            if !plan.namespaces.allSatisfy(NodeNetwork.exists) {
                try NodeNetwork(plan: plan).setUp()
                progress(" ✓ Preparing nodes 📦 (network namespaces made again)")
            }
            for node in NodeLayout.all(spec: spec, paths: paths) { try NodeRuntimeFiles.write(node) }
        }
        try launchSupervisor(paths: paths)
        try await waitUntilUsable(spec: spec, paths: paths, wait: wait, since: Date())
        progress("Started cluster \"\(name)\" in \(Self.seconds(ContinuousClock.now - started)).")
    }

    /// The supervisor runs detached in its own session, so the cluster outlives this command.
    private func launchSupervisor(paths: ClusterPaths) throws {
        if !FileManager.default.fileExists(atPath: paths.log("supervisor").path) {
            _ = FileManager.default.createFile(atPath: paths.log("supervisor").path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: paths.log("supervisor"))
        try log.seekToEnd()
        let sup = Process()
        sup.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        sup.arguments = [executable.path, "supervise", "--name", paths.name]
        sup.standardOutput = log
        sup.standardError = log
        sup.standardInput = FileHandle.nullDevice
        try sup.run()
    }

    /// Waits for each node's containerd, the API server, and — unless `wait` is zero — every node's kubelet
    /// reporting Ready since `since` (a restarted cluster's Node objects still hold the old status) and the
    /// control-plane pods Running.
    private func waitUntilUsable(spec: ClusterSpec, paths: ClusterPaths, wait: Duration, since: Date) async throws {
        let name = spec.name
        let server = "https://127.0.0.1:\(spec.apiServerPort)"
        let layouts = NodeLayout.all(spec: spec, paths: paths)
        let admin = try KubeconfigLoader.load(path: paths.pki.appendingPathComponent("admin.conf").path, userAgent: "skiff")
        let client = KubeClient(admin)
        defer { Task { await client.shutdown() } }
        let deadline = ContinuousClock.now + (wait == .zero ? startupTimeout : wait)
        if spec.runtime == "containerd" {
            let supervisor = Supervisor(paths: paths, executable: executable, components: [])
            try await waitFor("each node's containerd", deadline) {
                for node in layouts {
                    if let why = try? String(contentsOf: supervisor.failedMarker(node.containerdComponent), encoding: .utf8) {
                        throw ClusterError("\(node.containerdComponent): \(why) (see `skiff logs containerd --name \(name) --node \(node.name)`)")
                    }
                }
                return layouts.allSatisfy { FileManager.default.fileExists(atPath: supervisor.readyMarker($0.containerdComponent).path) }
            }
            progress(" ✓ Starting containerd in each node 📦 (pause image imported)")
        }
        try await waitFor("the API server", deadline) { (try? await client.raw(.GET, "/readyz"))?.status == 200 }
        progress(" ✓ Starting control-plane 🕹️ (API server on \(server))")
        if spec.runtime == "containerd" {
            try await ClusterAddons.createDNSService(client: client)
            progress(" ✓ Installing kube-proxy and cluster DNS 🔌 (kube-dns at \(ClusterAddons.dnsServiceIP))")
            if IngressAddon.enabled(paths: paths) {
                try await IngressAddon.install(client: client)
                progress(" ✓ Installing the Ingress controller 🚪 (IngressClass \(IngressAddon.className), default)")
            }
        }
        try await DefaultStorageClass.create(client: client)
        progress(" ✓ Installing StorageClass 💾 (standard, local-path)")
        if wait == .zero {
            progress(" • Not waiting for the nodes to be Ready (--wait 0s)")
            return
        }
        // Heartbeats carry whole seconds.
        let freshSince = since.timeIntervalSince1970.rounded(.down) - 1
        // Listing a thousand nodes costs the API server more than a tick of 20 ms is worth.
        try await waitFor("node(s) to be Ready", deadline, every: spec.nodes.count > 50 ? .milliseconds(250) : .milliseconds(20)) {
            guard let list = try? await client.list(.nodes) else { return false }
            let ready = (list["items"]?.array ?? []).filter { n in
                n[path: ["status", "conditions"]]?.array?.contains {
                    $0["type"]?.string == "Ready" && $0["status"]?.string == "True"
                        && ($0["lastHeartbeatTime"]?.string.flatMap(RFC3339.seconds)).map { Double($0) >= freshSince } ?? false
                } ?? false
            }
            return ready.count == spec.nodes.count
        }
        progress(" ✓ Waiting ≤ \(wait) for control-plane = Ready ⏳")
        try await waitFor("the control-plane pods", deadline) {
            guard let list = try? await client.list(ResourcePath.pods.inNamespace("kube-system")) else { return false }
            let running = (list["items"]?.array ?? []).filter { $0[path: ["status", "phase"]]?.string == "Running" }
            return running.count >= 3
        }
    }

    private func waitFor(_ what: String, _ deadline: ContinuousClock.Instant, every interval: Duration = .milliseconds(20),
                         _ check: () async throws -> Bool) async throws {
        while !(try await check()) {
            if ContinuousClock.now > deadline { throw ClusterError("timed out waiting for \(what)") }
            try await Task.sleep(for: interval)
        }
    }
}
