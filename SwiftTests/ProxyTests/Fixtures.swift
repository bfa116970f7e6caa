import APIMachinery
import Foundation

@testable import Proxy

/// Service and EndpointSlice objects as the API server serves them.
enum Fixtures {
    static func service(
        _ name: String, namespace: String = "default", clusterIP: String, type: String = "ClusterIP",
        ports: [(name: String, port: Int, proto: String, nodePort: Int?)], affinityTimeout: Int? = nil
    ) -> JSON {
        var spec: JSON = [
            "type": .string(type), "clusterIP": .string(clusterIP), "clusterIPs": [.string(clusterIP)],
            "ports": .array(ports.map { p in
                var o: JSON = ["name": .string(p.name), "port": .int(Int64(p.port)), "protocol": .string(p.proto), "targetPort": .int(Int64(p.port))]
                if let np = p.nodePort { o["nodePort"] = .int(Int64(np)) }
                return o
            }),
        ]
        if let affinityTimeout {
            spec["sessionAffinity"] = "ClientIP"
            spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": .int(Int64(affinityTimeout))]]
        } else {
            spec["sessionAffinity"] = "None"
        }
        return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": spec]
    }

    static func slice(
        _ name: String, service: String, namespace: String = "default", ports: [(name: String, port: Int, proto: String)],
        endpoints: [(ip: String, ready: Bool?)], triggerTime: Date? = nil
    ) -> JSON {
        var meta: JSON = ["name": .string(name), "namespace": .string(namespace), "labels": ["kubernetes.io/service-name": .string(service)]]
        if let triggerTime { meta["annotations"] = ["endpoints.kubernetes.io/last-change-trigger-time": .string(RFC3339.time(triggerTime))] }
        return [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta, "addressType": "IPv4",
            "ports": .array(ports.map { ["name": .string($0.name), "port": .int(Int64($0.port)), "protocol": .string($0.proto)] }),
            "endpoints": .array(endpoints.map { e in
                var o: JSON = ["addresses": [.string(e.ip)]]
                if let r = e.ready { o["conditions"] = ["ready": .bool(r)] }
                return o
            }),
        ]
    }

    /// The small cluster of the golden test: one service per case the proxy handles.
    static func smallCluster() -> (services: [JSON], slices: [JSON]) {
        let services = [
            service("web", clusterIP: "10.96.0.10", ports: [("http", 80, "TCP", nil)]),
            service("np", clusterIP: "10.96.0.11", type: "NodePort", ports: [("http", 80, "TCP", 30080)]),
            service("dns", namespace: "kube-system", clusterIP: "10.96.0.12", ports: [("dns", 53, "UDP", nil)]),
            service("sticky", clusterIP: "10.96.0.13", ports: [("", 8080, "TCP", nil)], affinityTimeout: 60),
            service("empty", clusterIP: "10.96.0.14", type: "NodePort", ports: [("http", 80, "TCP", 30081)]),
        ]
        let slices = [
            slice("web-abc", service: "web", ports: [("http", 8080, "TCP")],
                  endpoints: [("10.244.1.3", true), ("10.244.0.5", nil), ("10.244.2.9", false)]),
            slice("np-abc", service: "np", ports: [("http", 80, "TCP")], endpoints: [("10.244.0.6", true)]),
            slice("dns-abc", service: "dns", namespace: "kube-system", ports: [("dns", 53, "UDP")], endpoints: [("10.244.0.2", true)]),
            slice("sticky-abc", service: "sticky", ports: [("", 8080, "TCP")], endpoints: [("10.244.0.7", true), ("10.244.1.7", true)]),
            slice("empty-abc", service: "empty", ports: [("http", 80, "TCP")], endpoints: [("10.244.0.8", false)]),
        ]
        return (services, slices)
    }

    static func ruleset(services: [JSON], slices: [JSON]) -> Ruleset {
        RulesetBuilder().build(
            servicePorts: services.flatMap(ServicePortInfo.from(service:)), slices: slices.compactMap(EndpointSliceInfo.from(slice:)))
    }
}
