import APIMachinery
import Logging

/// Points a selectorless Service at a component that is a process and not a pod (the cluster DNS, the
/// Ingress controller), which no endpoints controller would otherwise list.
///
/// The project's Endpoints and EndpointSlice controllers leave a selectorless Service's endpoints alone
/// (upstream's do too); this writes them: an EndpointSlice `sliceName` (labelled with the service name and
/// `endpointslice.kubernetes.io/managed-by: managedBy`, which the EndpointSlice controller does not manage)
/// and the legacy Endpoints (labelled `skip-mirror` so an EndpointSlice mirroring controller would not copy
/// it into a second slice). Both are re-checked periodically, so a deleted or edited object comes back.
public struct ServiceEndpointPublisher: Sendable {
    public struct Port: Sendable {
        public var name: String
        public var port: Int
        public var proto: String

        public init(name: String, port: Int, proto: String = "TCP") {
            self.name = name
            self.port = port
            self.proto = proto
        }
    }

    public let client: KubeClient
    public var namespace: String
    public var service: String
    public var sliceName: String
    public var managedBy: String
    /// The endpoint's address, and "IPv4" or "IPv6".
    public var address: String
    public var addressType: String
    public var ports: [Port]
    /// What the log calls this publisher's Service ("kube-dns").
    let logger: Logger

    public init(client: KubeClient, namespace: String, service: String, sliceName: String, managedBy: String,
                address: String, ports: [Port], logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.service = service
        self.sliceName = sliceName
        self.managedBy = managedBy
        self.address = address
        addressType = address.contains(":") ? "IPv6" : "IPv4"
        self.ports = ports
        self.logger = logger
    }

    /// The EndpointSlice as it should be.
    public func desiredSlice() -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": [
                "name": .string(sliceName), "namespace": .string(namespace),
                "labels": ["kubernetes.io/service-name": .string(service), "endpointslice.kubernetes.io/managed-by": .string(managedBy)],
            ],
            "addressType": .string(addressType),
            "endpoints": [["addresses": [.string(address)], "conditions": ["ready": true, "serving": true, "terminating": false]]],
            "ports": portsJSON,
        ]
    }

    /// The ports, as both objects list them.
    var portsJSON: JSON {
        .array(ports.map { ["name": .string($0.name), "port": .int(Int64($0.port)), "protocol": .string($0.proto)] })
    }

    /// The legacy Endpoints object as it should be.
    public func desiredEndpoints() -> JSON {
        [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(service), "namespace": .string(namespace),
                         "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [[
                "addresses": [["ip": .string(address)]],
                "ports": portsJSON,
            ]],
        ]
    }

    /// Creates or corrects both objects once.
    public func publish() async throws {
        try await ensure(.endpointslices.inNamespace(namespace), name: sliceName, desired: desiredSlice(), fields: ["addressType", "endpoints", "ports"])
        try await ensure(.endpoints.inNamespace(namespace), name: service, desired: desiredEndpoints(), fields: ["subsets"])
    }

    func ensure(_ path: ResourcePath, name: String, desired: JSON, fields: [String]) async throws {
        let current: JSON
        do {
            current = try await client.get(path, name)
        } catch let e as APIError where e.code == 404 {
            _ = try await client.create(path, desired)
            logger.info("created \(path.resource) \(namespace)/\(name)")
            return
        }
        var next = current
        var changed = false
        for f in fields where current[f] != desired[f] {
            next[f] = desired[f]
            changed = true
        }
        var labels = current[path: ["metadata", "labels"]]?.stringMap ?? [:]
        for (k, v) in desired[path: ["metadata", "labels"]]?.stringMap ?? [:] where labels[k] != v {
            labels[k] = v
            changed = true
        }
        guard changed else { return }
        next[path: ["metadata", "labels"]] = .from(labels)
        _ = try await client.update(path, next)
        logger.info("updated \(path.resource) \(namespace)/\(name)")
    }

    /// Publishes now and every `interval` until cancelled, logging failures and retrying.
    public func run(interval: Duration = .seconds(30)) async {
        while !Task.isCancelled {
            do { try await publish() } catch { logger.warning("publishing \(namespace)/\(service) endpoints failed: \(error)") }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
