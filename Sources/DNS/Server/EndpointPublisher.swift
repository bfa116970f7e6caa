import APIMachinery
import Client
import Logging

/// Points the `kube-system/kube-dns` Service at this server, which is a process and not a pod, so no
/// controller would otherwise list it.
///
/// The Service is selectorless, so the project's Endpoints and EndpointSlice controllers leave its
/// endpoints alone (upstream's do too); this writes them: an EndpointSlice `kube-dns-skiff` (labelled
/// with the service name and `managed-by: skiff-dns`, which the EndpointSlice controller does not
/// manage) and the legacy Endpoints `kube-dns` (labelled `skip-mirror` so an EndpointSlice mirroring
/// controller would not copy it into a second slice). Both are re-checked periodically, so a deleted or
/// edited object comes back.
public struct EndpointPublisher: Sendable {
    public static let sliceName = "kube-dns-skiff"
    public static let managedBy = "skiff-dns"

    public let client: KubeClient
    public let address: IPAddress
    public let port: UInt16
    public var namespace = "kube-system"
    public var service = "kube-dns"
    let logger: Logger

    public init(client: KubeClient, address: IPAddress, port: UInt16 = 53, logger: Logger = Logger(label: "dns")) {
        self.client = client
        self.address = address
        self.port = port
        self.logger = logger
    }

    var family: String {
        if case .v6 = address { return "IPv6" }
        return "IPv4"
    }

    /// The EndpointSlice as it should be.
    public func desiredSlice() -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": [
                "name": .string(Self.sliceName), "namespace": .string(namespace),
                "labels": ["kubernetes.io/service-name": .string(service), "endpointslice.kubernetes.io/managed-by": .string(Self.managedBy)],
            ],
            "addressType": .string(family),
            "endpoints": [["addresses": [.string(address.description)], "conditions": ["ready": true, "serving": true, "terminating": false]]],
            "ports": [
                ["name": "dns", "port": .int(Int64(port)), "protocol": "UDP"],
                ["name": "dns-tcp", "port": .int(Int64(port)), "protocol": "TCP"],
            ],
        ]
    }

    /// The legacy Endpoints object as it should be.
    public func desiredEndpoints() -> JSON {
        [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": .string(service), "namespace": .string(namespace),
                         "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [[
                "addresses": [["ip": .string(address.description)]],
                "ports": [
                    ["name": "dns", "port": .int(Int64(port)), "protocol": "UDP"],
                    ["name": "dns-tcp", "port": .int(Int64(port)), "protocol": "TCP"],
                ],
            ]],
        ]
    }

    /// Creates or corrects both objects once.
    public func publish() async throws {
        try await ensure(.endpointslices.inNamespace(namespace), name: Self.sliceName, desired: desiredSlice(), fields: ["addressType", "endpoints", "ports"])
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
            do { try await publish() } catch { logger.warning("publishing kube-dns endpoints failed: \(error)") }
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
