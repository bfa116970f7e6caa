import NIOCore
import NIOHTTP1

/// Reads one whole HTTP response off a client channel's inbound parts: what `HTTPExchange` returns and
/// what `WebSocketDialer` reports when an upgrade is refused, read the same way.
enum HTTPResponseCollector {
    /// What to do with a body longer than the limit.
    enum OverLimit {
        /// Keep the first `limit` bytes and read on to the end (a refusal's body is only shown).
        case truncate
        /// Stop reading and throw `HTTPExchange.ResponseTooLarge` (an answer that must be parsed whole).
        case fail
    }

    /// The response, and whether it was whole (false: the stream ended first, and the response holds what came).
    static func collect<S: AsyncSequence>(_ inbound: S, limit: Int, overLimit: OverLimit) async throws -> (response: HTTPExchange.Response, complete: Bool)
    where S.Element == HTTPClientResponsePart {
        var response = HTTPExchange.Response(status: 0, contentType: nil, body: [])
        for try await part in inbound {
            switch part {
            case .head(let head):
                response.status = Int(head.status.code)
                response.contentType = head.headers["Content-Type"].first
            case .body(let buffer):
                if response.body.count + buffer.readableBytes <= limit {
                    response.body += buffer.readableBytesView
                } else if overLimit == .fail {
                    throw HTTPExchange.ResponseTooLarge(limit: limit)
                } else {
                    response.body += buffer.readableBytesView.prefix(max(0, limit - response.body.count))
                }
            case .end:
                return (response, true)
            }
        }
        return (response, false)
    }
}
