import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request and its whole answer over a ``DialTarget``, with SwiftNIO's HTTP codec (and TLS
/// when the target has it). It exists for targets AsyncHTTPClient cannot reach: a socket connected inside a
/// node's network namespace, which is how the API server calls admission webhooks behind a Service.
public enum HTTPExchange {
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String?
        public var body: [UInt8]
    }

    /// The peer's answer was larger than the caller allows: it is not read any further.
    public struct ResponseTooLarge: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "the response is larger than \(limit) bytes" }
    }

    /// The connection closed before a whole response arrived.
    public struct IncompleteResponse: Error, Sendable, CustomStringConvertible {
        public var description: String { "unexpected EOF" }
    }

    /// Sends `method target.path` with `body` and returns the answer (at most `maxResponseBytes` of body).
    /// The connection is closed afterwards; a cancelled task closes it at once.
    public static func send(
        _ target: DialTarget, method: HTTPMethod = .POST, body: [UInt8], contentType: String,
        maxResponseBytes: Int = 3 << 20, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Response {
        let pending = try await WebSocketDialer.connect(target, group: group) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
            }
        }
        let channel = try await pending.get()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Accept", value: "application/json, */*")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        for (k, v) in target.extraHeaders { headers.add(name: k, value: v) }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: target.path, headers: headers)
        return try await withTaskCancellationHandler {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
                let (response, complete) = try await HTTPResponseCollector.collect(inbound, limit: maxResponseBytes, overLimit: .fail)
                guard complete else { throw IncompleteResponse() }
                return response
            }
        } onCancel: {
            channel.channel.close(promise: nil)
        }
    }
}
