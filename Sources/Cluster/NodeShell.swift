import Foundation

/// `skiff exec NODE [-- COMMAND]`: a command inside a real node, as kind users type `docker exec -it NODE bash`.
///
/// A Skiff node is not a container but a set of the host's resources (docs/nodes.md): its network
/// namespace, its containerd under `/run/skiff/C/N`, its kubelet's and components' files under the cluster's
/// directory. The command runs in the node's network namespace (its `eth0` and address, its routes, the
/// nftables kube-proxy wrote) and a UTS namespace of its own whose hostname is the node's name, with the
/// environment pointing `ctr` and `crictl` at the node's containerd (namespace `k8s.io`, where the kubelet's
/// containers are), `SKIFF_NODE_LOGS` at the node's component logs, and a `journalctl` that reads them.
public struct NodeShell: Sendable, Equatable {
    /// The program to exec and its whole argument vector (argv[0] included).
    public var program: String
    public var arguments: [String]
    /// Variables added to the caller's environment.
    public var environment: [String: String]
    /// Commands a kind node has that a Skiff node answers from its own files, put first on `PATH`.
    public var tools: [NodeTool]
    public var toolDirectory: URL

    /// A small script standing in for a command of a kind node.
    public struct NodeTool: Sendable, Equatable {
        public var name: String
        public var script: String
    }

    /// Writes `tools` (again: the cluster directory may have been made by an older skiff).
    public func installTools() throws {
        try FileManager.default.createDirectory(at: toolDirectory, withIntermediateDirectories: true)
        for tool in tools {
            let url = toolDirectory.appendingPathComponent(tool.name)
            try Data(tool.script.utf8).write(to: url, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }

    /// `journalctl -u kubelet [-f] [-n N]`, as the seed's step 5 types it inside a kind node: the units are
    /// this node's kubelet, containerd and kube-proxy, whose logs the supervisor writes.
    static func journalctl(logs: String, node: String) -> String {
        """
        #!/bin/sh
        # journalctl on Skiff node \(node): units are this node's component logs (written by skiff exec).
        unit= follow= lines=
        while [ $# -gt 0 ]; do
          case "$1" in
            -u|--unit) unit=$2; shift ;;
            --unit=*) unit=${1#--unit=} ;;
            -f|--follow) follow=1 ;;
            -n|--lines) lines=$2; shift ;;
            --lines=*) lines=${1#--lines=} ;;
            -e|--pager-end) lines=${lines:-1000} ;;
            -xe|-ex) lines=${lines:-1000} ;;
          esac
          shift
        done
        case "${unit%.service}" in
          kubelet) f=\(logs)/kubelet-\(node).log ;;
          containerd) f=\(logs)/containerd-\(node).log ;;
          kube-proxy|proxy) f=\(logs)/proxy-\(node).log ;;
          "") echo "journalctl: this node keeps a log per unit: name one with -u (kubelet, containerd, kube-proxy)" >&2; exit 1 ;;
          *) echo "-- No entries -- (this node's units: kubelet, containerd, kube-proxy)"; exit 0 ;;
        esac
        if [ -n "$follow" ]; then exec tail -n "${lines:-10}" -F "$f"; fi
        if [ -n "$lines" ]; then exec tail -n "$lines" "$f"; fi
        exec cat "$f"

        """
    }

    /// Finds `node` among this machine's clusters (or in `cluster`); node names are unique across clusters,
    /// since each names a network namespace.
    public static func locate(node: String, cluster: String?) throws -> (spec: ClusterSpec, paths: ClusterPaths, index: Int) {
        let candidates = cluster.map { [$0] } ?? ClusterPaths.existingClusters()
        for name in candidates {
            let paths = ClusterPaths(name: name)
            guard let spec = try? ClusterSpec.load(from: paths.spec) else { continue }
            if let index = spec.nodes.firstIndex(where: { $0.name == node }) { return (spec, paths, index) }
        }
        let known = candidates.compactMap { try? ClusterSpec.load(from: ClusterPaths(name: $0).spec) }.flatMap { $0.nodes.map(\.name) }
        throw ClusterError("no node \"\(node)\"" + (known.isEmpty ? ": there is no cluster" : "; nodes: \(known.joined(separator: ", "))"))
    }

    /// The invocation of `command` (a shell when empty) in node `index` of the cluster.
    public init(spec: ClusterSpec, paths: ClusterPaths, index: Int, command: [String]) throws {
        let layout = NodeLayout(cluster: spec.name, name: spec.nodes[index].name, index: index, clusterRoot: paths.root)
        guard spec.runtime == "containerd" else {
            throw ClusterError("node \"\(layout.name)\" is simulated: it has no namespace, runtime or files to enter")
        }
        guard NodeNetwork.exists(layout.netns) else {
            throw ClusterError("node \"\(layout.name)\" is not running (its network namespace \(layout.netns) is gone)")
        }
        let shell = command.isEmpty ? [FileManager.default.isExecutableFile(atPath: "/bin/bash") ? "/bin/bash" : "/bin/sh"] : command
        program = "/usr/bin/nsenter"
        // The hostname is set inside the new UTS namespace by a tiny shell, which then becomes the command.
        arguments = ["nsenter", "--net=\(layout.netnsPath)", "--", "unshare", "--uts", "--",
                     "/bin/sh", "-c", "hostname \"$0\" && exec \"$@\"", layout.name] + shell
        let logs = paths.logs.path
        tools = [NodeTool(name: "journalctl", script: Self.journalctl(logs: logs, node: layout.name))]
        toolDirectory = layout.directory.appendingPathComponent("bin")
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        environment = [
            "PATH": toolDirectory.path + ":" + path,
            "CONTAINERD_ADDRESS": layout.containerdSocket,
            "CONTAINERD_NAMESPACE": "k8s.io",
            "CONTAINER_RUNTIME_ENDPOINT": layout.criEndpoint,
            "SKIFF_NODE_LOGS": paths.logs.path,
            "HOSTNAME": layout.name,
        ]
    }
}
