import APIMachinery
import Foundation

/// `kubectl get services`: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR.
/// PORT(S) reads "80/TCP", or "80:30080/TCP" with a node port.
public struct ServicePrinter: TablePrinter {
    public init() {}

    public let columnDefinitions: [TableColumn] = [
        ColumnDescriptions.nameColumn,
        TableColumn(name: "Type", description: "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"),
        TableColumn(name: "Cluster-IP", description: "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
        TableColumn(name: "External-IP", description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system."),
        TableColumn(name: "Port(s)", description: "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
        ColumnDescriptions.ageColumn,
        TableColumn(name: "Selector", priority: 1, description: "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/"),
    ]

    public func cells(for svc: JSON, now: Date) -> [JSON] {
        var clusterIP = svc.list("spec.clusterIPs").first?.string ?? ""
        if clusterIP.isEmpty { clusterIP = svc.str("spec.clusterIP") }
        let ports = svc.list("spec.ports").map { p -> String in
            let nodePort = p.int("nodePort")
            return nodePort > 0 ? "\(p.int("port")):\(nodePort)/\(p.str("protocol"))" : "\(p.int("port"))/\(p.str("protocol"))"
        }.joined(separator: ",")
        return [
            .string(svc.name), .string(svc.str("spec.type")), .string(clusterIP.isEmpty ? "<none>" : clusterIP),
            .string(Self.externalIP(svc)), .string(ports.isEmpty ? "<none>" : ports),
            .string(translateTimestampSince(svc.creationTimestamp, now: now)),
            .string(formatLabels(svc.at("spec.selector")?.stringMap ?? [:])),
        ]
    }

    /// Upstream's `getServiceExternalIP` (wide, so load balancer addresses are not clipped).
    static func externalIP(_ svc: JSON) -> String {
        let externalIPs = svc.list("spec.externalIPs").compactMap(\.string)
        switch svc.str("spec.type") {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            var addresses = Set<String>()
            for ingress in svc.list("status.loadBalancer.ingress") {
                if !ingress.str("ip").isEmpty {
                    addresses.insert(ingress.str("ip"))
                } else if !ingress.str("hostname").isEmpty {
                    addresses.insert(ingress.str("hostname"))
                }
            }
            let lb = addresses.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if !externalIPs.isEmpty { return (lb + externalIPs).joined(separator: ",") }
            return lb.isEmpty ? "<pending>" : lb.joined(separator: ",")
        case "ExternalName":
            return svc.str("spec.externalName")
        default:
            return "<unknown>"
        }
    }
}
