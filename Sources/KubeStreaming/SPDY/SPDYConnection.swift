import NIOCore

/// A connection whose pipeline speaks SPDY frames (after an HTTP upgrade to `SPDY/3.1`), and the stream
/// protocol the server chose in `X-Stream-Protocol-Version`.
///
/// `run` gives the body a session whose read and write loops run beside it; when the body returns the
/// session says GOAWAY, its queued frames are written and the connection closes.
public struct SPDYConnection: Sendable {
    let channel: NIOAsyncChannel<SPDYFrame, SPDYFrame>
    /// The `X-Stream-Protocol-Version` of the server's 101 answer (nil if it named none).
    public let streamProtocol: String?

    public init(channel: NIOAsyncChannel<SPDYFrame, SPDYFrame>, streamProtocol: String?) {
        self.channel = channel
        self.streamProtocol = streamProtocol
    }

    /// Puts the SPDY frame codec on a byte channel (after an upgrade, or a socket that is SPDY from its first
    /// byte) and wraps it. Call on the channel's event loop.
    public static func adopt(_ channel: any Channel, streamProtocol: String?) throws -> SPDYConnection {
        try channel.pipeline.syncOperations.addSPDYFrameCodec()
        return SPDYConnection(channel: try NIOAsyncChannel<SPDYFrame, SPDYFrame>(wrappingChannelSynchronously: channel), streamProtocol: streamProtocol)
    }

    public func run<Result: Sendable>(
        role: SPDYSession.Role, configuration: SPDYSession.Configuration = SPDYSession.Configuration(),
        _ body: @Sendable (SPDYSession) async throws -> Result
    ) async throws -> Result {
        try await channel.executeThenClose { inbound, outbound in
            let session = SPDYSession(role: role, configuration: configuration)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await session.writeLoop(outbound, channel: channel.channel) }
                group.addTask { await session.readLoop(inbound) }
                let result: Swift.Result<Result, Error>
                do {
                    result = .success(try await body(session))
                } catch {
                    result = .failure(error)
                }
                session.goAway()
                // The writer ends once GOAWAY is out (or the reader, if the peer closed first); the other loop is
                // stopped then. A peer that stopped reading gets a few seconds, not forever.
                group.addTask { try await Task.sleep(for: .seconds(5)) }
                _ = try? await group.next()
                group.cancelAll()
                session.markClosed()
                while (try? await group.next()) != nil {}
                return try result.get()
            }
        }
    }
}
