import APIMachinery
import Client
import Logging

/// Points the `kube-system/kube-dns` Service at this server (a process, not a pod): the EndpointSlice
/// `kube-dns-skiff` and the Endpoints `kube-dns`, with the `dns` (UDP) and `dns-tcp` ports
/// (`ServiceEndpointPublisher` says how they are kept).
public struct EndpointPublisher: Sendable {
    public static let sliceName = "kube-dns-skiff"
    public static let managedBy = "skiff-dns"

    let publisher: ServiceEndpointPublisher

    public init(client: KubeClient, address: IPAddress, port: UInt16 = 53, logger: Logger = Logger(label: "dns")) {
        publisher = ServiceEndpointPublisher(
            client: client, namespace: "kube-system", service: "kube-dns", sliceName: Self.sliceName, managedBy: Self.managedBy,
            address: address.description,
            ports: [.init(name: "dns", port: Int(port), proto: "UDP"), .init(name: "dns-tcp", port: Int(port), proto: "TCP")],
            logger: logger)
    }

    public func desiredSlice() -> JSON { publisher.desiredSlice() }
    public func desiredEndpoints() -> JSON { publisher.desiredEndpoints() }
    public func publish() async throws { try await publisher.publish() }
    public func run(interval: Duration = .seconds(30)) async { await publisher.run(interval: interval) }
}
