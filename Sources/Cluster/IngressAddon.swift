import APIMachinery
import Client
import Foundation

/// The built-in Ingress controller, installed as k3s installs Traefik: `skiff ingress` supervised with the
/// rest of the cluster, listening on the control-plane node's address (ports 80 and 443) from its network
/// namespace; the IngressClass `skiff`, marked the cluster's default; and `kube-system/skiff-ingress`, a
/// selectorless LoadBalancer Service whose endpoints the controller publishes, so the service-lb controller
/// gives it an address the host reaches through the cluster's own route (docs/networking.md).
public enum IngressAddon {
    public static let className = "skiff"
    public static let serviceName = "skiff-ingress"
    public static let controllerName = "skiff.io/ingress-controller"
    static let component = "ingress"

    /// Clusters made before the controller existed have no credentials for it and keep running without.
    static func enabled(paths: ClusterPaths) -> Bool {
        FileManager.default.fileExists(atPath: paths.pki.appendingPathComponent("ingress.conf").path)
    }

    static func components(paths: ClusterPaths, layouts: [NodeLayout]) -> [ComponentSpec] {
        guard enabled(paths: paths), let first = layouts.first else { return [] }
        return [ComponentSpec(name: component, arguments: [
            "ingress", "--kubeconfig", paths.pki.appendingPathComponent("ingress.conf").path,
            "--listen-address", first.ip, "--http-port", "80", "--https-port", "443", "--netns", first.netnsPath,
            "--publish-service", "kube-system/\(serviceName)", "--publish-endpoint", first.ip,
        ])]
    }

    public static var ingressClass: JSON {
        [
            "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": ["name": .string(className), "annotations": ["ingressclass.kubernetes.io/is-default-class": "true"],
                         "labels": ["app.kubernetes.io/name": "skiff-ingress"]],
            "spec": ["controller": .string(controllerName)],
        ]
    }

    public static var service: JSON {
        [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": .string(serviceName), "namespace": "kube-system", "labels": ["app.kubernetes.io/name": "skiff-ingress"]],
            "spec": ["type": "LoadBalancer", "ports": [
                ["name": "http", "port": 80, "protocol": "TCP", "targetPort": 80],
                ["name": "https", "port": 443, "protocol": "TCP", "targetPort": 443],
            ]],
        ]
    }

    /// Creates the class and the Service when missing; existing ones (a restarted cluster's, perhaps edited
    /// by its user) are left as they are.
    static func install(client: KubeClient) async throws {
        for (path, object) in [(ResourcePath.ingressclasses, ingressClass), (ResourcePath.services.inNamespace("kube-system"), service)] {
            do {
                _ = try await client.create(path, object)
            } catch let e as APIError where e.code == 409 {
                continue
            }
        }
    }
}
