import APIMachinery
import Foundation

/// A control-plane component the node runs outside the API (upstream: a static pod from
/// /etc/kubernetes/manifests), shown in the API as a mirror pod whose status follows the process.
public struct StaticPod: Codable, Sendable, Equatable {
    /// "kube-apiserver", "kube-scheduler", "kube-controller-manager".
    public var name: String
    /// The pid file of the process that is this pod's container.
    public var pidFile: String
    public var image: String
    public var command: [String]
    /// The component's log (its standard error, as the supervisor writes it): what `kubectl logs` of the
    /// mirror pod shows, as upstream's kubelet shows a static pod's container log.
    public var logFile: String?

    public init(name: String, pidFile: String, image: String, command: [String], logFile: String? = nil) {
        self.name = name
        self.pidFile = pidFile
        self.image = image
        self.command = command
        self.logFile = logFile
    }

    /// The mirror pod's name on `node`: `kube-apiserver-NODE`, as upstream names a static pod's mirror.
    public func mirrorName(node: String) -> String { "\(name)-\(node)" }

    public static func load(_ url: URL) -> [StaticPod] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode([StaticPod].self, from: data)) ?? []
    }

    /// Whether the process behind the pod is alive now.
    public var isRunning: Bool {
        guard let s = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return false
        }
        return kill(pid, 0) == 0
    }

    /// The mirror pod as the kubelet creates it.
    public func mirrorPod(node: String) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(mirrorName(node: node)), "namespace": "kube-system",
                "labels": ["component": .string(name), "tier": "control-plane"],
                "annotations": ["kubernetes.io/config.mirror": .string(name), "kubernetes.io/config.source": "file"],
            ],
            "spec": [
                "nodeName": .string(node), "hostNetwork": true, "priority": 2_000_001_000,
                "priorityClassName": "system-node-critical",
                "containers": [["name": .string(name), "image": .string(image), "command": .array(command.map { .string($0) })]],
                "tolerations": [["operator": "Exists", "effect": "NoExecute"]],
            ],
        ]
    }
}
