/// Why a `application/vnd.kubernetes.protobuf` body could not be read.
///
/// The description is what upstream's protobuf serializer and gogo-generated decoders say for the same
/// input where one exists ("provided data does not appear to be a protobuf message, ...", "unexpected EOF"),
/// so the server can answer 400 BadRequest with it as the message.
public struct KubeProtobufError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static let unexpectedEOF = KubeProtobufError("unexpected EOF")
    static let integerOverflow = KubeProtobufError("proto: integer overflow")
    static let negativeLength = KubeProtobufError("proto: negative length found during unmarshaling")

    static func wrongWireType(_ wireType: Int, field: String) -> KubeProtobufError {
        KubeProtobufError("proto: wrong wireType = \(wireType) for field \(field)")
    }
}
