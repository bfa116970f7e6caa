import APIMachinery
import NIOCore

/// The `Status` a remote-command session ends with on its error channel (channel 3), as upstream's
/// v4 `writeStatus`: kubectl prints its message and exits 1 (or the exit code of `NonZeroExitCode`).
public enum StreamStatus {
    /// A failure message for a session that could not reach its command.
    public static func failure(_ message: String, reason: String = "InternalError", code: Int = 500) -> ByteBuffer {
        let status: JSON = [
            "metadata": [:], "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        return frame(status)
    }

    public static func success() -> ByteBuffer {
        frame(["metadata": [:], "status": "Success"])
    }

    static func frame(_ status: JSON) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(StreamChannel.error)
        buffer.writeBytes(status.serialized())
        return buffer
    }
}
