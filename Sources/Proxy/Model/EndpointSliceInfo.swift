import APIMachinery
import Foundation

/// The part of a `discovery.k8s.io/v1` EndpointSlice the proxy uses: which Service it belongs to, its
/// ports, and the addresses of its ready endpoints.
public struct EndpointSliceInfo: Sendable, Hashable {
    public struct Port: Sendable, Hashable {
        public var name: String
        public var proto: L4Protocol
        public var port: Int

        public init(name: String = "", proto: L4Protocol = .tcp, port: Int) {
            self.name = name
            self.proto = proto
            self.port = port
        }
    }

    /// `namespace/name` of the Service (from the `kubernetes.io/service-name` label).
    public var serviceKey: String
    public var ports: [Port]
    /// The first address of every endpoint whose `conditions.ready` is not false (absent means ready, as
    /// the API defines it); not-ready endpoints get no traffic.
    public var readyAddresses: [String]
    /// The node of each ready address that names one (`endpoints[].nodeName`): which endpoints are this
    /// node's own, for `externalTrafficPolicy: Local`.
    public var nodeNames: [String: String]

    public init(serviceKey: String, ports: [Port], readyAddresses: [String], nodeNames: [String: String] = [:]) {
        self.serviceKey = serviceKey
        self.ports = ports
        self.readyAddresses = readyAddresses
        self.nodeNames = nodeNames
    }

    public static let serviceNameLabel = "kubernetes.io/service-name"
    /// Set by the EndpointSlice controller to when the change that produced this slice happened (a pod
    /// became ready, a Service changed): the start of "network programming latency".
    public static let triggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"

    /// Nil for slices that are not IPv4 or belong to no Service.
    public static func from(slice: JSON) -> EndpointSliceInfo? {
        guard let namespace = slice[path: ["metadata", "namespace"]]?.string,
            let service = slice[path: ["metadata", "labels", serviceNameLabel]]?.string, !service.isEmpty,
            slice["addressType"]?.string ?? "IPv4" == "IPv4"
        else { return nil }
        var ports: [Port] = []
        for p in slice["ports"]?.array ?? [] {
            guard let port = p["port"]?.int, let proto = L4Protocol(apiValue: p["protocol"]?.string) else { continue }
            ports.append(Port(name: p["name"]?.string ?? "", proto: proto, port: Int(port)))
        }
        var addresses: [String] = []
        var nodes: [String: String] = [:]
        for e in slice["endpoints"]?.array ?? [] {
            if e[path: ["conditions", "ready"]]?.bool == false { continue }
            guard let a = e["addresses"]?.array?.first?.string, IPv4.isValid(a) else { continue }
            addresses.append(a)
            if let n = e["nodeName"]?.string, !n.isEmpty { nodes[a] = n }
        }
        return EndpointSliceInfo(serviceKey: "\(namespace)/\(service)", ports: ports, readyAddresses: addresses, nodeNames: nodes)
    }

    /// The slice's trigger-time annotation, when present and parseable.
    public static func triggerTime(of slice: JSON) -> Date? {
        slice[path: ["metadata", "annotations", triggerTimeAnnotation]]?.string.flatMap(RFC3339.parse)
    }
}

/// One backend of one service port: the `ip:port` a connection is DNATed to.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ip: String
    public var port: Int

    public init(ip: String, port: Int) {
        self.ip = ip
        self.port = port
    }

    public var description: String { "\(ip):\(port)" }

    /// Numeric address order, so endpoint chains are laid out as a person would list them.
    public static func < (a: Endpoint, b: Endpoint) -> Bool {
        let ka = a.ip.split(separator: ".").compactMap { Int($0) }
        let kb = b.ip.split(separator: ".").compactMap { Int($0) }
        if ka != kb { return ka.lexicographicallyPrecedes(kb) }
        return a.port < b.port
    }
}
