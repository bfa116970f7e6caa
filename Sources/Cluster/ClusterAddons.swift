import APIMachinery
import Client
import Foundation
import StaticPods

/// What kubeadm installs as add-ons and kind ships in its node image: kube-proxy on every node and the
/// cluster DNS behind the `kube-system/kube-dns` Service — here `skiff proxy` and `skiff dns`, supervised
/// processes like the rest of the control plane, shown in kube-system as mirror pods.
public enum ClusterAddons {
    /// The 10th address of the service range, as upstream's kubeadm picks it.
    public static let dnsServiceIP = "10.96.0.10"

    /// `skiff proxy` per node (programming that node's namespace) and `skiff dns` serving from the
    /// control-plane node's address, where every pod can reach it (docs/nodes.md).
    static func components(spec: ClusterSpec, paths: ClusterPaths, layouts: [NodeLayout]) -> [ComponentSpec] {
        let kc = { (who: String) in paths.pki.appendingPathComponent("\(who).conf").path }
        var out = layouts.map { node in
            ComponentSpec(name: proxyComponent(node.name), arguments: [
                "proxy", "--kubeconfig", kc("kube-proxy"), "--node-name", node.name, "--netns", node.netns,
                "--cluster-cidr", spec.podCIDR,
                "--metrics-bind-address", spec.metricsPorts?.proxy?[node.name].map { "127.0.0.1:\($0)" } ?? "",
                "--enforce-network-policy",
            ])
        }
        if let first = layouts.first {
            out.append(ComponentSpec(name: "dns", arguments: [
                "dns", "--kubeconfig", kc("dns"), "--listen", "\(first.ip):53", "--netns", first.netnsPath,
                "--publish-endpoint", first.ip,
                // No upstream on these machines: outside names do not exist here, and saying so lets pods'
                // resolvers go on down their search path.
                "--out-of-zone", "nxdomain",
            ] + ClusterComponents.metricsArguments(spec.metricsPorts?.dns)))
        }
        return out + IngressAddon.components(paths: paths, layouts: layouts)
    }

    static func proxyComponent(_ node: String) -> String { "proxy-\(node)" }

    public static func staticPodsFile(node: String, paths: ClusterPaths) -> URL {
        paths.root.appendingPathComponent("static-pods-\(node).json")
    }

    /// Each node's mirror pods: the control-plane components (etcd too, with `--store etcd`) and DNS on the
    /// first node, kube-proxy on every node of a real cluster.
    static func writeStaticPods(spec: ClusterSpec, paths: ClusterPaths) throws {
        /// `process` is the supervisor's name for the component (its pid and log file), `command` the
        /// `skiff` subcommand it runs.
        func pod(_ name: String, process: String, command: String) -> StaticPod {
            StaticPod(name: name, pidFile: paths.pidFile(process).path, image: "skiff/\(command):v1.32.0",
                      command: ["skiff", command], logFile: paths.log(process).path)
        }
        for (i, node) in spec.nodes.enumerated() {
            var pods: [StaticPod] = []
            if i == 0 {
                pods += [("kube-apiserver", "apiserver"), ("kube-scheduler", "scheduler"), ("kube-controller-manager", "controller-manager")].map {
                    pod($0.0, process: $0.1, command: $0.1)
                }
                if spec.usesEtcd {
                    // kubeadm's stacked etcd shows as `etcd-NODE` in kube-system; here it is Debian's etcd binary.
                    pods.append(StaticPod(name: "etcd", pidFile: paths.pidFile("etcd").path, image: "etcd:3.4",
                                          command: ["etcd"], logFile: paths.log("etcd").path))
                }
                if spec.runtime == "containerd" { pods.append(pod("skiff-dns", process: "dns", command: "dns")) }
                if spec.runtime == "containerd" && IngressAddon.enabled(paths: paths) {
                    pods.append(pod("skiff-ingress-controller", process: IngressAddon.component, command: "ingress"))
                }
            }
            if spec.runtime == "containerd" { pods.append(pod("kube-proxy", process: proxyComponent(node.name), command: "proxy")) }
            try JSONEncoder().encode(pods).write(to: staticPodsFile(node: node.name, paths: paths))
        }
    }

    /// `kube-system/kube-dns`: selectorless (its endpoints are the DNS process's address, which `skiff dns`
    /// publishes), labelled as upstream's so `kubectl cluster-info` lists it.
    /// Created once: a restarted cluster already has it (and a second create would be refused for its
    /// cluster IP, which the existing Service holds, before the name is even looked at, as upstream does).
    static func createDNSService(client: KubeClient) async throws {
        let path = ResourcePath.services.inNamespace("kube-system")
        if (try? await client.get(path, "kube-dns")) != nil { return }
        let service: JSON = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kube-dns", "namespace": "kube-system",
                         "labels": ["k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "SkiffDNS"]],
            "spec": ["clusterIP": .string(dnsServiceIP), "ports": [
                ["name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53],
                ["name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53],
            ]],
        ]
        do {
            _ = try await client.create(path, service)
        } catch let e as APIError where e.code == 409 {
            return
        }
    }
}
