import NIOCore

/// One stream of a `SPDYSession`: the headers it was opened with, the data the peer sends on it, and
/// writing, half-closing and resetting from this side.
public struct SPDYStream: Sendable {
    public let id: UInt32
    /// The SYN_STREAM's headers (`streamtype: stdin`, …).
    public let headers: SPDYHeaders
    let session: SPDYSession

    /// The peer's data, chunk by chunk, ending at its FIN or reset or the end of the session. Taking a
    /// chunk reopens the peer's windows for it.
    public var inbound: Inbound { Inbound(stream: self) }

    /// Sends `data`, in as many frames as the windows and the frame size allow.
    public func write(_ data: ByteBuffer) async throws { try await session.write(data, on: id) }

    /// Half-closes this side (FIN): the peer reads end of file; its data still arrives.
    public func finish() async throws { try await session.finish(id) }

    /// Aborts the stream both ways.
    public func reset(status: UInt32 = SPDYResetStatus.cancel) { session.reset(id, status: status) }

    public struct Inbound: AsyncSequence, Sendable {
        public typealias Element = ByteBuffer
        let stream: SPDYStream

        public struct AsyncIterator: AsyncIteratorProtocol {
            let stream: SPDYStream
            public mutating func next() async throws -> ByteBuffer? {
                try await stream.session.nextChunk(of: stream.id)
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: stream) }

        /// Everything until the end of the stream, joined.
        public func collect() async throws -> ByteBuffer {
            var all = ByteBuffer()
            for try await var chunk in self { all.writeBuffer(&chunk) }
            return all
        }
    }
}
