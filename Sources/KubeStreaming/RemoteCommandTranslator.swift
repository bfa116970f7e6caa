import NIOCore

/// Translates messages from a caller speaking one remote-command protocol to a runtime speaking another.
///
/// Only v5 → v4 needs translating: v5 is v4 plus the close signal `[0xFF, channel]`, which kubectl sends
/// when its stdin reaches end of file. v4 has no way to half-close a stream (its streams end only with the
/// whole connection, and closing the connection would also cut off stdout and the exit status), so the
/// signal is dropped: the command keeps its stdin open. A command that reads stdin to its end (`kubectl
/// exec -i p -- cat < file`) therefore does not see end of file behind a v4 runtime; interactive shells,
/// which end on `exit`, are unaffected. Data that arrives for a stream after it was closed is dropped too,
/// as upstream's server ignores writes to a closed pipe. Everything else — channels 0–4 in both
/// directions, the error channel's `Status` included — passes through unchanged.
public struct RemoteCommandTranslator: Sendable {
    public enum Action: Equatable, Sendable {
        /// Send this message on.
        case forward(ByteBuffer)
        /// Do not send it; the reason is for the debug log.
        case drop(String)
    }

    public let callerProtocol: String
    public let runtimeProtocol: String
    /// Channels the caller half-closed with a v5 close signal.
    public private(set) var closedChannels: Set<UInt8> = []

    public init(callerProtocol: String, runtimeProtocol: String) {
        self.callerProtocol = callerProtocol
        self.runtimeProtocol = runtimeProtocol
    }

    /// Whether close signals reach the runtime as they are.
    public var runtimeUnderstandsClose: Bool { runtimeProtocol == StreamProtocol.v5 }

    /// What to do with one message from the caller.
    public mutating func fromCaller(_ message: ByteBuffer) -> Action {
        guard let channel = message.getInteger(at: message.readerIndex, as: UInt8.self) else {
            return .drop("empty message")
        }
        if callerProtocol == StreamProtocol.v5, channel == StreamChannel.close {
            guard message.readableBytes == 2, let target = message.getInteger(at: message.readerIndex + 1, as: UInt8.self) else {
                return .drop("malformed close signal of \(message.readableBytes) bytes")
            }
            closedChannels.insert(target)
            if runtimeUnderstandsClose { return .forward(message) }
            return .drop("close signal for channel \(target): the runtime speaks \(runtimeProtocol), which cannot half-close a stream")
        }
        if closedChannels.contains(channel) {
            return .drop("data on channel \(channel) after the caller closed it")
        }
        return .forward(message)
    }

    /// Messages from the runtime pass through unchanged: v4's server messages are v5's.
    public func fromRuntime(_ message: ByteBuffer) -> ByteBuffer { message }
}
