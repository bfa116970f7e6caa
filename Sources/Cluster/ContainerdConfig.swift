import Foundation

/// One node's containerd configuration (format version 2, containerd 1.6): its own root, state and
/// sockets so several containerds share the machine, the CRI plugin set up for this host (cgroupfs via
/// runc, overlayfs, the node's CNI config, the streaming server on loopback inside the node namespace,
/// and no negative `oom_score_adj`, which this kernel refuses), and the snapshotters that cannot work
/// here switched off so they do not log failures at every start.
public struct ContainerdConfig: Sendable, Equatable {
    public var root: String
    public var state: String
    public var grpcAddress: String
    public var ttrpcAddress: String
    public var optPath: String
    public var cniConfDir: String
    /// runc's state directory for this node's containers. runc's default, /run/containerd/runc, is shared
    /// by every containerd on the machine: two nodes' containers would collide there, and a node's
    /// leftovers would outlive it.
    public var runcRoot: String
    public var cniBinDir = "/usr/lib/cni"
    public var sandboxImage = PauseImage.reference
    public var snapshotter = "overlayfs"

    public static let disabledPlugins = [
        "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
        "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
    ]

    public init(root: String, state: String, grpcAddress: String, ttrpcAddress: String, optPath: String, cniConfDir: String, runcRoot: String) {
        self.root = root
        self.state = state
        self.grpcAddress = grpcAddress
        self.ttrpcAddress = ttrpcAddress
        self.optPath = optPath
        self.cniConfDir = cniConfDir
        self.runcRoot = runcRoot
    }

    public init(node: NodeLayout) {
        self.init(root: node.containerdRoot.path, state: node.containerdState, grpcAddress: node.containerdSocket,
                  ttrpcAddress: node.ttrpcSocket, optPath: node.containerdOpt.path, cniConfDir: node.cniConfDir.path,
                  runcRoot: node.runcRoot)
    }

    public var toml: String {
        let q = Self.quote
        let cri = #"[plugins."io.containerd.grpc.v1.cri"]"#
        return """
        # Written by skiff create cluster: this node's containerd (see docs/nodes.md).
        version = 2
        root = \(q(root))
        state = \(q(state))
        disabled_plugins = [\(Self.disabledPlugins.map(q).joined(separator: ", "))]

        [grpc]
          address = \(q(grpcAddress))

        [ttrpc]
          address = \(q(ttrpcAddress))

        [debug]
          address = ""
          level = "info"

        [metrics]
          address = ""

        [plugins]
          [plugins."io.containerd.internal.v1.opt"]
            path = \(q(optPath))

          \(cri)
            sandbox_image = \(q(sandboxImage))
            restrict_oom_score_adj = true
            stream_server_address = "127.0.0.1"
            stream_server_port = "0"
            enable_selinux = false
            tolerate_missing_hugepages_controller = true
            # Pod network namespaces live under this node's state directory, not in the machine-wide
            # /run/netns, so `ip netns list` shows only Skiff's node namespaces and teardown finds them.
            netns_mounts_under_state_dir = true

            [plugins."io.containerd.grpc.v1.cri".containerd]
              snapshotter = \(q(snapshotter))
              default_runtime_name = "runc"

              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"

                [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                  SystemdCgroup = false
                  Root = \(q(runcRoot))

            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = \(q(cniBinDir))
              conf_dir = \(q(cniConfDir))
              max_conf_num = 1

        """
    }

    /// A TOML basic string.
    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x7f { out += String(format: "\\u%04X", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}
