import HummingbirdWebSocket
import Logging
import NIOCore

/// Relays a tunnel WebSocket (binary messages carrying a byte stream, as kubectl's
/// `SPDY/3.1+portforward.k8s.io` tunnel does) to a plain byte stream and back.
public enum ByteTunnelRelay {
    public static func relay(
        callerInbound: WebSocketInboundStream, callerOutbound: WebSocketOutboundWriter,
        upstream: NIOAsyncChannel<ByteBuffer, ByteBuffer>, logger: Logger
    ) async throws {
        try await upstream.executeThenClose { bytesIn, bytesOut in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var iterator = callerInbound.makeAsyncIterator()
                    do {
                        while let message = try await iterator.nextMessage(maxSize: WebSocketRelay.maxMessageSize) {
                            guard case .binary(let buffer) = message else { continue }
                            try await bytesOut.write(buffer)
                        }
                    } catch {
                        logger.debug("tunnel relay: caller side ended: \(error)")
                    }
                    bytesOut.finish()
                }
                group.addTask {
                    do {
                        for try await chunk in bytesIn {
                            try await callerOutbound.write(.binary(chunk))
                        }
                    } catch {
                        logger.debug("tunnel relay: upstream side ended: \(error)")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
