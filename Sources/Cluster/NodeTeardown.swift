import Foundation

/// Removes everything real nodes leave on the host (docs/nodes.md, "Teardown"), in the order that lets
/// each step succeed: pod sandboxes through CRI while containerd serves (`SandboxCleaner`), the
/// components, then a sweep for what a crash could have left — shims serving a node's socket, processes
/// in the nodes' cgroups or naming the cluster's paths, pod network namespaces this cluster's containerds
/// made, mounts under the cluster's directories, the cgroups, the node and cluster namespaces and
/// `/run/skiff/C`. Each sweep step only touches what is provably the cluster's, and is harmless when
/// there is nothing to do (a simulated cluster, a second delete).
public struct NodeTeardown: Sendable {
    public let paths: ClusterPaths
    public let nodes: [NodeLayout]
    /// The host's way in, whose host end (device, address, route) goes too.
    public var hostLink: HostLink?
    public var log: @Sendable (String) -> Void = { _ in }

    public init(paths: ClusterPaths, nodes: [NodeLayout], hostLink: HostLink? = nil) {
        self.paths = paths
        self.nodes = nodes
        self.hostLink = hostLink
    }

    public init(spec: ClusterSpec, paths: ClusterPaths) {
        self.init(paths: paths, nodes: NodeLayout.all(spec: spec, paths: paths), hostLink: spec.hostLink)
    }

    /// Step 1: every node's sandboxes through CRI, all nodes at once; a node whose containerd is not
    /// serving is left to the sweep.
    public func removeSandboxes(with cleaner: (any SandboxCleaner)?) async {
        guard let cleaner else { return }
        await withTaskGroup(of: Void.self) { group in
            for node in nodes where UnixSocketProbe.accepts(node.containerdSocket) {
                group.addTask {
                    do { try await cleaner.removeAllSandboxes(node: node) } catch {
                        self.log("removing the pod sandboxes of \(node.name): \(error)")
                    }
                }
            }
        }
    }

    /// Step 3: the sweep. Returns what it could not remove (empty when the host is clean).
    @discardableResult
    public func sweep() async -> [String] {
        var problems: [String] = []
        let cgroupRoots = MountTable.current().cgroupRoots
        let clusterCgroups = cgroupRoots.map { $0 + NodeLayout.clusterCgroup(paths.name) }
            .filter { FileManager.default.fileExists(atPath: $0) }

        // Pod namespaces: those containerd recorded for a sandbox, and those the pods' processes are in.
        let podNetns = ownedPodNamespaces(processes: clusterCgroups.flatMap(Self.processes(inTree:)))

        // Processes: shims of these nodes, everything in the cluster's cgroups, anything naming its paths.
        let sockets = Set(nodes.map(\.containerdSocket))
        let markers = [paths.root.path + "/", paths.runtimeRun.path + "/"]
        // A killed shim leaves its socket in the shared /run/containerd/s: note the shims' sockets first.
        let shimSockets = ProcessScan.matching { args in sockets.contains { ProcessScan.isShim(args, of: $0) } }
            .flatMap(ProcessScan.unixSocketPaths(of:)).filter { $0.hasPrefix("/run/containerd/s/") }
        for _ in 0..<3 {
            for dir in clusterCgroups { Self.thaw(tree: dir) }
            var victims = Set(ProcessScan.matching { args in
                sockets.contains { ProcessScan.isShim(args, of: $0) } || args.contains { a in markers.contains { a.contains($0) } }
            })
            victims.formUnion(clusterCgroups.flatMap(Self.processes(inTree:)))
            if victims.isEmpty { break }
            log("killing \(victims.count) leftover process(es) of cluster \(paths.name)")
            await ProcessScan.kill(Array(victims))
        }

        for socket in Set(shimSockets) { _ = unlink(socket) }

        for ns in podNetns {
            let path = "/run/netns/" + ns
            _ = umount2(path, Int32(MNT_DETACH))
            if unlink(path) != 0, errno != ENOENT { problems.append("cannot remove \(path): \(String(cString: strerror(errno)))") }
        }

        for mp in MountTable.current().mountPoints(under: [paths.root.path, paths.runtimeRun.path]) {
            if umount2(mp, Int32(MNT_DETACH)) != 0 { problems.append("cannot unmount \(mp): \(String(cString: strerror(errno)))") }
        }

        for dir in clusterCgroups {
            problems += Self.removeCgroupTree(dir)
        }
        for root in cgroupRoots { _ = rmdir(root + "/skiff") }   // the shared parent, once no cluster uses it

        do { try NodeNetwork(plan: NodeNetworkPlan(clusterNetns: paths.clusterNetns, nodes: nodes, hostLink: hostLink)).removeNamespaces() } catch {
            problems.append("\(error)")
        }

        if FileManager.default.fileExists(atPath: paths.runtimeRun.path) {
            do { try FileManager.default.removeItem(at: paths.runtimeRun) } catch { problems.append("cannot remove \(paths.runtimeRun.path): \(error)") }
        }
        _ = rmdir("/run/skiff")
        for p in problems { log(p) }
        return problems
    }

    /// `cni-<uuid>` namespaces that belong to this cluster: named in a node containerd's metadata (it
    /// records each sandbox's namespace path), or entered by a process of the cluster's pods. Other
    /// `cni-*` namespaces (another cluster's, another tool's) are left alone.
    func ownedPodNamespaces(processes: [Int32]) -> [String] {
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix("cni-") }
        guard !existing.isEmpty else { return [] }
        var owned = Set<String>()
        for node in nodes {
            let db = node.containerdRoot.appendingPathComponent("io.containerd.metadata.v1.bolt/meta.db")
            if let data = FileManager.default.contents(atPath: db.path) {
                owned.formUnion(Self.cniNamespaceNames(in: data))
            }
        }
        let inodes = Set(processes.compactMap { ProcessScan.netnsInode(path: "/proc/\($0)/ns/net") })
        for name in existing where !owned.contains(name) {
            if let ino = ProcessScan.netnsInode(path: "/run/netns/" + name), inodes.contains(ino) { owned.insert(name) }
        }
        return existing.filter(owned.contains)
    }

    /// Every `cni-<36 uuid characters>` in a blob (containerd's bolt database stores the sandbox metadata
    /// as plain JSON, so the names are there as bytes).
    static func cniNamespaceNames(in data: Data) -> Set<String> {
        let needle = Array("netns/cni-".utf8)
        let bytes = [UInt8](data)
        var found = Set<String>()
        var i = 0
        let uuidChars = Set(Array("0123456789abcdef-".utf8))
        while i + needle.count + 36 <= bytes.count {
            if bytes[i] == needle[0], Array(bytes[i..<(i + needle.count)]) == needle {
                let start = i + needle.count
                let id = bytes[start..<(start + 36)]
                if id.allSatisfy(uuidChars.contains) { found.insert("cni-" + String(decoding: id, as: UTF8.self)) }
                i = start
            } else {
                i += 1
            }
        }
        return found
    }

    /// Every cgroup directory at or below `dir`, deepest first.
    static func cgroupTree(_ dir: String) -> [String] {
        var out: [String] = []
        func walk(_ d: String) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: d)) ?? []
            for e in entries {
                var isDir: ObjCBool = false
                let p = d + "/" + e
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { walk(p) }
            }
            out.append(d)
        }
        walk(dir)
        return out
    }

    static func processes(inTree dir: String) -> [Int32] {
        cgroupTree(dir).flatMap { d -> [Int32] in
            let text = ProcFile.string(d + "/cgroup.procs") ?? ""
            return text.split(separator: "\n").compactMap { Int32($0) }
        }
    }

    /// A frozen cgroup's processes cannot die; thaw before killing (v1 freezer and v2 cgroup.freeze).
    static func thaw(tree dir: String) {
        for d in cgroupTree(dir) {
            if FileManager.default.fileExists(atPath: d + "/freezer.state") { try? "THAWED".write(toFile: d + "/freezer.state", atomically: false, encoding: .utf8) }
            if FileManager.default.fileExists(atPath: d + "/cgroup.freeze") { try? "0".write(toFile: d + "/cgroup.freeze", atomically: false, encoding: .utf8) }
        }
    }

    static func removeCgroupTree(_ dir: String) -> [String] {
        var problems: [String] = []
        for d in cgroupTree(dir) where rmdir(d) != 0 && errno != ENOENT {
            problems.append("cannot remove cgroup \(d): \(String(cString: strerror(errno)))")
        }
        return problems
    }
}
