import Foundation
import Logging
import NetworkNamespaces
import NIOCore
import NIOPosix
import Synchronization

/// `skiff port-publisher`: one `PortMapping` at work — what docker-proxy is to kind's `extraPortMappings`.
/// It listens on the host's loopback in the root namespace and, per TCP connection or UDP client, dials the
/// node's address from a socket made inside the node's namespace (`NetworkNamespace.connectedSocket`). So
/// the host needs no route to the node and nothing else on the host can reach it; inside the node the
/// connection comes from the node itself, where kube-proxy's NodePort rules and the CNI portmap plugin's
/// hostPort rules both apply.
public struct PortPublisher: Sendable {
    public var mapping: PortMapping
    /// `/run/netns/skiff-<node>`.
    public var netnsPath: String
    /// The node's address inside its namespace.
    public var nodeAddress: String
    /// A UDP client silent this long has its flow (and the node-side socket) closed.
    public var udpIdleTimeout: Duration = .seconds(60)
    public var logger = Logger(label: "port-publisher")

    public init(mapping: PortMapping, netnsPath: String, nodeAddress: String) {
        self.mapping = mapping
        self.netnsPath = netnsPath
        self.nodeAddress = nodeAddress
    }

    public func run() async throws {
        switch mapping.proto {
        case .tcp: try await runTCP()
        case .udp: try await runUDP()
        }
    }

    // MARK: TCP

    func runTCP() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(host: mapping.listenAddress, port: mapping.hostPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        logger.info("publishing \(mapping) (node \(nodeAddress) in \(netnsPath))")
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await client in connections {
                    group.addTask { await self.relay(client) }
                }
            }
        }
    }

    /// Copies both ways until both sides have finished sending; a side that fails ends the connection.
    func relay(_ client: NIOAsyncChannel<ByteBuffer, ByteBuffer>) async {
        do {
            let fd = try await NetworkNamespace.connectedSocket(netnsPath: netnsPath, kind: .stream, host: nodeAddress, port: mapping.nodePort)
            let node = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .withConnectedSocket(fd) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    }
                }
            try await client.executeThenClose { clientIn, clientOut in
                try await node.executeThenClose { nodeIn, nodeOut in
                    try await withThrowingTaskGroup(of: Void.self) { pair in
                        pair.addTask {
                            for try await chunk in clientIn { try await nodeOut.write(chunk) }
                            nodeOut.finish()
                        }
                        pair.addTask {
                            for try await chunk in nodeIn { try await clientOut.write(chunk) }
                            clientOut.finish()
                        }
                        try await pair.waitForAll()
                    }
                }
            }
        } catch {
            // The client sees its connection closed, as with docker-proxy when the backend refuses.
            logger.debug("connection on \(mapping): \(error)")
            try? await client.channel.close()
        }
    }

    // MARK: UDP

    /// One node-side socket per client address, so replies go back to the client that asked.
    func runUDP() async throws {
        let listener = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: mapping.listenAddress, port: mapping.hostPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("publishing \(mapping) (node \(nodeAddress) in \(netnsPath))")
        let flows = UDPFlows()
        let node = try SocketAddress(ipAddress: nodeAddress, port: mapping.nodePort)
        try await listener.executeThenClose { inbound, outbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await datagram in inbound {
                    let client = datagram.remoteAddress
                    if let flow = flows.get(client) {
                        flow.touch()
                        flow.channel.writeAndFlush(AddressedEnvelope(remoteAddress: node, data: datagram.data), promise: nil)
                        continue
                    }
                    let fd = try? await NetworkNamespace.connectedSocket(netnsPath: netnsPath, kind: .datagram, host: nodeAddress, port: mapping.nodePort)
                    guard let fd else { continue }
                    let relayBack = UDPReplyHandler(client: client, outbound: outbound)
                    guard let channel = try? await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                        .channelInitializer({ $0.pipeline.addHandler(relayBack) })
                        .withBoundSocket(fd).get()
                    else { close(fd); continue }
                    let flow = UDPFlow(channel: channel)
                    flows.set(client, flow)
                    flow.touch()
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: node, data: datagram.data), promise: nil)
                    group.addTask {
                        // Closes the flow once its client has been quiet for the idle timeout.
                        while !Task.isCancelled {
                            try? await Task.sleep(for: udpIdleTimeout)
                            if flow.idle(for: udpIdleTimeout) { break }
                        }
                        flows.remove(client)
                        try? await channel.close()
                    }
                }
            }
        }
    }
}

/// A UDP client's node-side socket and when it was last used.
final class UDPFlow: Sendable {
    let channel: any Channel
    let lastUsed = Mutex(ContinuousClock.now)

    init(channel: any Channel) { self.channel = channel }

    func touch() { lastUsed.withLock { $0 = .now } }
    func idle(for d: Duration) -> Bool { lastUsed.withLock { ContinuousClock.now - $0 >= d } }
}

final class UDPFlows: Sendable {
    let flows = Mutex<[SocketAddress: UDPFlow]>([:])
    func get(_ a: SocketAddress) -> UDPFlow? { flows.withLock { $0[a] } }
    func set(_ a: SocketAddress, _ f: UDPFlow) { flows.withLock { $0[a] = f } }
    func remove(_ a: SocketAddress) { flows.withLock { $0[a] = nil } }
}

/// Sends what the node answers on a flow's connected socket back to that flow's client, from the listener.
final class UDPReplyHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let client: SocketAddress
    let outbound: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>

    init(client: SocketAddress, outbound: NIOAsyncChannelOutboundWriter<AddressedEnvelope<ByteBuffer>>) {
        self.client = client
        self.outbound = outbound
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = AddressedEnvelope(remoteAddress: client, data: unwrapInboundIn(data).data)
        let outbound = self.outbound
        Task { try? await outbound.write(envelope) }
    }
}
