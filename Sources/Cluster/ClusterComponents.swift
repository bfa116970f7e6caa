import Foundation
import PKI

/// The processes that make up a cluster, as the supervisor runs them. Every command line names a path
/// inside the cluster's own directory, so each process is recognisably the cluster's.
public enum ClusterComponents {
    public static func list(spec: ClusterSpec, paths: ClusterPaths) -> [ComponentSpec] {
        let kc = { (who: String) in paths.pki.appendingPathComponent("\(who).conf").path }
        var out: [ComponentSpec] = []
        let layouts = NodeLayout.all(spec: spec, paths: paths)
        if spec.runtime == "containerd" {
            out += layouts.map { containerd($0, pauseArchive: PauseImage.cachedArchive) }
        }
        if let etcd = etcd(spec: spec, paths: paths) { out.append(etcd) }
        out += [
            ComponentSpec(name: "apiserver", arguments: [
                "apiserver", "--data-dir", paths.data.path] + storageArguments(spec: spec, paths: paths) + ["--bind-address", "127.0.0.1",
                "--port", String(spec.apiServerPort), "--service-cluster-ip-range", spec.serviceCIDR,
            ] + APIServerTLSArguments.arguments(pki: paths.pki) + encryptionArguments(paths) + auditArguments(paths)
              + inflightArguments(cores: ProcessInfo.processInfo.activeProcessorCount) + webhookArguments(spec: spec, layouts: layouts)),
            ComponentSpec(name: "scheduler", arguments: ["scheduler", "--kubeconfig", kc("scheduler")]
                + metricsArguments(spec.metricsPorts?.scheduler)),
            ComponentSpec(name: "controller-manager", arguments: [
                "controller-manager", "--kubeconfig", kc("controller-manager"), "--cluster-cidr", spec.podCIDR,
                // Published to every namespace as the kube-root-ca.crt ConfigMap pods mount.
                "--root-ca-file", paths.pki.appendingPathComponent("ca.crt").path,
                // The local-path provisioner's volumes live in each node's directory (NodeLayout.directory).
                "--local-path-nodes-dir", paths.root.appendingPathComponent("nodes").path,
                // Each controller acts as its own service account, as kubeadm runs kube-controller-manager:
                // the manager's own identity cannot do what only some controller may (docs/authorization.md).
                "--use-service-account-credentials=true",
            ] + (spec.hostLink.map { ["--load-balancer-pool", $0.loadBalancerPool] } ?? [])
              + metricsArguments(spec.metricsPorts?.controllerManager)),
        ]
        for layout in layouts {
            let node = spec.nodes[layout.index]
            let serving = paths.pki.appendingPathComponent("kubelet-\(node.name)-serving").path
            var args = [
                "kubelet", "--kubeconfig", kc("kubelet-\(node.name)"), "--node-name", node.name,
                "--pod-cidr", node.podCIDR, "--runtime", "containerd",
                "--port", String(node.kubeletPort(index: layout.index)),
                "--tls-cert-file", serving + ".crt", "--tls-private-key-file", serving + ".key",
                "--client-ca-file", paths.pki.appendingPathComponent("ca.crt").path,
                "--root-dir", layout.kubeletRoot.path,
                "--container-runtime-endpoint", layout.criEndpoint, "--node-ip", layout.ip,
                "--cgroup-root", layout.cgroupRoot, "--netns", layout.netnsPath,
            ]
            if node.role == "control-plane" {
                args += ["--node-labels", NodeRoles.controlPlaneLabels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")]
                if let taint = NodeRoles.controlPlaneTaint(nodes: spec.nodes.count) { args += ["--register-with-taints", taint] }
            }
            args += ["--static-pods", ClusterAddons.staticPodsFile(node: node.name, paths: paths).path]
            out.append(ComponentSpec(name: layout.kubeletComponent, arguments: args))
        }
        if !spec.simulatedNodes.isEmpty { out.append(nodeSimulator(paths: paths)) }
        if spec.runtime == "containerd" {
            out += ClusterAddons.components(spec: spec, paths: paths, layouts: layouts)
            out += (spec.portMappings ?? []).filter { $0.node < layouts.count }.map { portPublisher($0, node: layouts[$0.node], paths: paths) }
        }
        return out
    }

    /// The process that runs every simulated node's kubelet (`skiff node-simulator`). It reads the nodes
    /// from the cluster's spec, and again on SIGHUP (`skiff add node`, `delete node`, `pause node`).
    public static let nodeSimulatorComponent = "node-simulator"

    static func nodeSimulator(paths: ClusterPaths) -> ComponentSpec {
        let serving = paths.pki.appendingPathComponent(ClusterPKI.Identity.kubeletServingFile(nodeSimulatorComponent)).path
        return ComponentSpec(name: nodeSimulatorComponent, arguments: [
            "node-simulator", "--kubeconfig", paths.pki.appendingPathComponent("node-simulator.conf").path,
            "--cluster-spec", paths.spec.path,
            "--tls-cert-file", serving + ".crt", "--tls-private-key-file", serving + ".key",
            "--client-ca-file", paths.pki.appendingPathComponent("ca.crt").path,
        ])
    }

    /// `skiff port-publisher` for one mapping; `--cluster-root` marks the process as the cluster's for the
    /// teardown sweep.
    /// `--metrics-bind-address 127.0.0.1:PORT` for a component given a metrics port (nothing otherwise:
    /// the component's default, which is off for all but the proxy).
    static func metricsArguments(_ port: Int?) -> [String] {
        port.map { ["--metrics-bind-address", "127.0.0.1:\($0)"] } ?? []
    }

    public static func portPublisher(_ m: PortMapping, node: NodeLayout, paths: ClusterPaths) -> ComponentSpec {
        ComponentSpec(name: m.componentName, arguments: [
            "port-publisher", "--listen", "\(m.listenAddress):\(m.hostPort)", "--protocol", m.proto.rawValue,
            "--netns", node.netnsPath, "--target", "\(node.ip):\(m.nodePort)", "--cluster-root", paths.root.path + "/",
        ])
    }

    /// A node's containerd, run inside the node's network namespace. `nsenter --net` rather than
    /// `ip netns exec`: the latter also gives the process a private mount namespace with /sys remounted,
    /// which hides /sys/fs/cgroup from runc and keeps containerd's mounts (rootfs, pod netns) out of sight
    /// of the host and of `skiff delete cluster`'s sweep.
    public static func containerd(_ node: NodeLayout, pauseArchive: URL) -> ComponentSpec {
        let ctr = HostCommand.which("ctr") ?? "/usr/bin/ctr"
        return ComponentSpec(
            name: node.containerdComponent,
            arguments: ["--net=\(node.netnsPath)", HostCommand.which("containerd") ?? "/usr/bin/containerd",
                        "--config", node.containerdConfig.path],
            executable: HostCommand.which("nsenter") ?? "/usr/bin/nsenter",
            readySocket: node.containerdSocket,
            afterReady: [[ctr, "--address", node.containerdSocket, "--namespace", "k8s.io", "images", "import", pauseArchive.path]])
    }
}

extension ClusterComponents {
    /// The control plane's etcd member for `--store etcd`: Debian's etcd on loopback ports, its data in the
    /// cluster's directory, its log under `skiff logs etcd`. A one-member cluster named after the control-plane
    /// node, as kubeadm's stacked etcd is; on a restart etcd finds its data and ignores the --initial-* flags.
    /// The API server waits for it (up to a minute) and the supervisor restarts either if it exits.
    static func etcd(spec: ClusterSpec, paths: ClusterPaths) -> ComponentSpec? {
        guard spec.usesEtcd, let ports = spec.etcdPorts, let member = spec.nodes.first?.name else { return nil }
        let tls = EtcdPKIFiles(pki: paths.pki)
        let client = "\(tls.exist ? "https" : "http")://127.0.0.1:\(ports.client)", peer = "http://127.0.0.1:\(ports.peer)"
        var arguments = [
            "--name", member, "--data-dir", paths.etcdData.path,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "\(member)=\(peer)", "--initial-cluster-token", "skiff-\(spec.name)",
            "--initial-cluster-state", "new",
        ]
        if tls.exist {
            // Only clients with a certificate from the etcd CA (the API server's) get in.
            arguments += ["--cert-file", tls.serverCertificate.path, "--key-file", tls.serverKey.path,
                          "--trusted-ca-file", tls.caCertificate.path, "--client-cert-auth"]
        }
        return ComponentSpec(name: "etcd", arguments: arguments, executable: HostCommand.which("etcd") ?? "/usr/bin/etcd")
    }

    /// The API server's store: the embedded SQLite in `--data-dir`, or the cluster's etcd member.
    static func storageArguments(spec: ClusterSpec, paths: ClusterPaths) -> [String] {
        guard spec.usesEtcd, let ports = spec.etcdPorts else { return [] }
        let tls = EtcdPKIFiles(pki: paths.pki)
        guard tls.exist else { return ["--storage", "etcd", "--etcd-servers", "http://127.0.0.1:\(ports.client)"] }
        return ["--storage", "etcd", "--etcd-servers", "https://127.0.0.1:\(ports.client)",
                "--etcd-cafile", tls.caCertificate.path, "--etcd-certfile", tls.clientCertificate.path,
                "--etcd-keyfile", tls.clientKey.path]
    }
}

/// The API server's TLS and authentication flags for a cluster PKI directory.
extension ClusterComponents {
    /// `--encryption-provider-config` when the cluster has a key: every cluster created since Secrets are
    /// encrypted by default has one; an older cluster's API server keeps running without.
    static func encryptionArguments(_ paths: ClusterPaths) -> [String] {
        FileManager.default.fileExists(atPath: paths.encryptionConfig.path)
            ? ["--encryption-provider-config", paths.encryptionConfig.path] : []
    }
}

extension ClusterComponents {
    /// `--audit-policy-file` and `--audit-log-path` when the cluster has a policy (every cluster created
    /// since the API server audits; an older one keeps running without). The log is rotated at 100 MB and
    /// three old ones kept, so a long-lived cluster does not fill the disk.
    static func auditArguments(_ paths: ClusterPaths) -> [String] {
        guard FileManager.default.fileExists(atPath: paths.auditPolicy.path) else { return [] }
        return ["--audit-policy-file", paths.auditPolicy.path, "--audit-log-path", paths.auditLog.path,
                "--audit-log-maxsize", "100", "--audit-log-maxbackup", "3"]
    }
}

extension ClusterComponents {
    /// Where the API server dials admission webhooks behind a Service from: the control-plane node's
    /// network namespace, which routes every pod address, as kind's API server reaches pods from its node
    /// container (docs/admission-webhooks.md). Simulated nodes have no namespace and no pods to call.
    static func webhookArguments(spec: ClusterSpec, layouts: [NodeLayout]) -> [String] {
        guard spec.runtime == "containerd", let controlPlane = layouts.first else { return [] }
        return ["--webhook-network-namespace", controlPlane.netnsPath]
    }
}

extension ClusterComponents {
    /// In-flight budgets sized to the machine: 16 reads and 8 writes per core.
    ///
    /// Upstream's defaults (400 and 200) are for a dedicated control-plane machine. A Skiff API server spends
    /// about a millisecond of CPU on a request, so a few requests per core keep every core busy; more in
    /// flight only queue inside the server, where the exempt lane's Lease renewals and heartbeats wait
    /// behind them. Measured on 2 cores with 200 clients of `skiff bench overload` (docs/benchmarks.md):
    /// 400/200 answered none with 429 and let a leader's renewals drift 6.9 s apart; 40/20 4.9 s; 10/5 3.8 s
    /// (the renewal period is 2 s).
    static func inflightArguments(cores: Int) -> [String] {
        let cores = max(cores, 1)
        return ["--max-requests-inflight", String(16 * cores), "--max-mutating-requests-inflight", String(8 * cores)]
    }
}

public enum APIServerTLSArguments {
    public static func arguments(pki: URL) -> [String] {
        [
            "--tls-cert-file", pki.appendingPathComponent("apiserver.crt").path,
            "--tls-private-key-file", pki.appendingPathComponent("apiserver.key").path,
            "--client-ca-file", pki.appendingPathComponent("ca.crt").path,
            "--token-auth-file", pki.appendingPathComponent("tokens.csv").path,
            "--kubelet-client-certificate", pki.appendingPathComponent("apiserver-kubelet-client.crt").path,
            "--kubelet-client-key", pki.appendingPathComponent("apiserver-kubelet-client.key").path,
            "--kubelet-certificate-authority", pki.appendingPathComponent("ca.crt").path,
            // Kubelets listen on loopback in the root network namespace (docs/nodes.md).
            "--kubelet-host", "127.0.0.1",
            // Bound service-account tokens, as kubeadm configures them.
            "--service-account-key-file", pki.appendingPathComponent("sa.pub").path,
            "--service-account-signing-key-file", pki.appendingPathComponent("sa.key").path,
            "--service-account-issuer", serviceAccountIssuer,
            "--api-audiences", serviceAccountIssuer,
        ]
    }

    /// kubeadm's issuer (and API audience): the in-cluster name of the API server.
    public static let serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"
}
