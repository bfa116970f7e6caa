/// Why bytes could not be read as a DNS message, or a message could not be written.
public enum DNSCodecError: Error, Sendable, Equatable {
    /// The message ended in the middle of a field.
    case truncated
    /// A name had a bad label (reserved label type, too long, too many compression jumps, a pointer that
    /// does not point backwards).
    case invalidName
    /// A record's data did not match its declared length or type.
    case invalidRecordData
    /// More than one OPT record, or an OPT record not owned by the root.
    case invalidOPT
    /// The message does not fit the 65,535 bytes a DNS message can have.
    case messageTooLong
}
