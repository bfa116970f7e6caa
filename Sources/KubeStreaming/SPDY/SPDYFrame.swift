import NIOCore

/// One SPDY/3.1 frame (draft 3.1 §2.2–2.6), the unit the session reads and writes.
///
/// Data frames carry bytes of one stream (`fin` half-closes the sender's side: it is how stdin's end of
/// file reaches a runtime). Control frames open (`synStream`), accept (`synReply`) and abort (`rstStream`)
/// streams and manage the session: settings, pings, the end of the session (`goAway`) and flow control
/// (`windowUpdate`; stream 0 is the session's window, new in 3.1).
public enum SPDYFrame: Sendable, Equatable {
    case data(streamID: UInt32, data: ByteBuffer, fin: Bool)
    case synStream(streamID: UInt32, associatedStreamID: UInt32, priority: UInt8, headers: SPDYHeaders, fin: Bool, unidirectional: Bool)
    case synReply(streamID: UInt32, headers: SPDYHeaders, fin: Bool)
    case rstStream(streamID: UInt32, status: UInt32)
    case settings([SPDYSetting], clearPersisted: Bool)
    case ping(id: UInt32)
    case goAway(lastGoodStreamID: UInt32, status: UInt32)
    case headers(streamID: UInt32, headers: SPDYHeaders, fin: Bool)
    case windowUpdate(streamID: UInt32, delta: UInt32)
    /// A control frame of a type this framer does not know (CREDENTIAL): the draft says to ignore it.
    case unknownControl(type: UInt16)

    /// A stream the sender opens, with the defaults every Kubernetes client uses (priority 0, no association).
    public static func synStream(streamID: UInt32, headers: SPDYHeaders, fin: Bool = false) -> SPDYFrame {
        .synStream(streamID: streamID, associatedStreamID: 0, priority: 0, headers: headers, fin: fin, unidirectional: false)
    }
}

/// One SETTINGS entry (id 7 is the initial window size of new streams).
public struct SPDYSetting: Sendable, Equatable {
    public var id: UInt32
    public var value: UInt32
    public var flags: UInt8
    public init(id: UInt32, value: UInt32, flags: UInt8 = 0) {
        self.id = id
        self.value = value
        self.flags = flags
    }
    public static let initialWindowSizeID: UInt32 = 7
}

/// RST_STREAM status codes (draft §2.6.3) used here.
public enum SPDYResetStatus {
    public static let protocolError: UInt32 = 1
    public static let invalidStream: UInt32 = 2
    public static let refusedStream: UInt32 = 3
    public static let cancel: UInt32 = 5
    public static let internalError: UInt32 = 6
    public static let flowControlError: UInt32 = 7
}

/// Control frame types (draft §2.6).
enum SPDYControlType {
    static let synStream: UInt16 = 1
    static let synReply: UInt16 = 2
    static let rstStream: UInt16 = 3
    static let settings: UInt16 = 4
    static let ping: UInt16 = 6
    static let goAway: UInt16 = 7
    static let headers: UInt16 = 8
    static let windowUpdate: UInt16 = 9
}

enum SPDYFlags {
    static let fin: UInt8 = 0x01
    static let unidirectional: UInt8 = 0x02
    static let clearSettings: UInt8 = 0x01
}
