import HummingbirdWebSocket
import Logging
import NIOCore

/// Relays binary messages between a caller's WebSocket (served by Hummingbird) and an upstream WebSocket
/// (dialed with `WebSocketDialer`) until either side ends.
///
/// The API server's hop to a kubelet. Relaying whole messages rather than raw bytes lets each hop keep its
/// own WebSocket session: the API server answers kubectl's pings itself, and a hop that fails can still end
/// its caller's session with a `Status` on the error channel.
public enum WebSocketRelay {
    public static let maxMessageSize = 1 << 20

    /// Runs the relay. When the caller closes, the upstream gets a close frame; when the upstream ends
    /// (its command finished and it sent its `Status`), the relay returns and the caller's session is
    /// closed by its server with 1000.
    public static func relay(
        callerInbound: WebSocketInboundStream, callerOutbound: WebSocketOutboundWriter,
        upstream: DialedWebSocket, logger: Logger
    ) async throws {
        try await upstream.run { messages, writer in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var iterator = callerInbound.makeAsyncIterator()
                    do {
                        while let message = try await iterator.nextMessage(maxSize: maxMessageSize) {
                            guard case .binary(let buffer) = message else { continue }
                            try await writer.binary(buffer)
                        }
                    } catch {
                        logger.debug("stream relay: caller side ended: \(error)")
                    }
                    try? await writer.close()
                }
                group.addTask {
                    do {
                        for try await message in messages {
                            try await callerOutbound.write(.binary(message))
                        }
                    } catch {
                        logger.debug("stream relay: upstream side ended: \(error)")
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
