import HummingbirdWebSocket
import NIOCore

/// Holds what a container wrote before an attach (`RemoteCommandSPDYRelay.relay`'s `replay`) until the
/// attach has shown it works, then sends it ahead of everything live, once.
///
/// An attach to a container that has already exited fails on the runtime's error stream, and kubectl then
/// falls back to printing the container's log: a replay sent before that failure would print the output
/// twice. So the replay goes out before the first live chunk, when the session ends well, or after
/// `patience` without a failure (a runtime refuses an attach as it sets it up, well within that time);
/// a failed attach discards it.
actor OutputReplayGate {
    private var pending: [(channel: UInt8, data: ByteBuffer)]?

    init(_ chunks: [(channel: UInt8, data: ByteBuffer)]) {
        pending = chunks.isEmpty ? nil : chunks
    }

    /// Sends the held output, if still held.
    func release(to outbound: WebSocketOutboundWriter) async throws {
        guard let chunks = pending else { return }
        pending = nil
        for (channel, data) in chunks {
            var message = ByteBuffer(integer: channel)
            message.writeImmutableBuffer(data)
            try await outbound.write(.binary(message))
        }
    }

    /// The attach failed: the caller will read the log instead.
    func discard() { pending = nil }

    /// Whether a runtime's final `Status` (without its channel byte) says the attach itself failed; a
    /// command's non-zero exit code is not such a failure.
    static func attachFailed(_ status: ByteBuffer) -> Bool {
        let text = String(buffer: status)
        return text.contains("\"Failure\"") && !text.contains("NonZeroExitCode")
    }
}
