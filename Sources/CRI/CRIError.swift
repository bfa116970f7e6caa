import GRPCCore

/// A failed CRI call: the gRPC status code and message the runtime returned (or the client synthesised),
/// and which RPC it was.
///
/// The kubelet branches on the code — `notFound` after a container or sandbox vanished is the normal end of
/// its life, `unavailable` means containerd is down or restarting — so the code is kept as a value rather
/// than folded into a string. gRPC-Swift's own `RPCError` is not exposed, so callers need not import
/// GRPCCore.
public struct CRIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// gRPC status codes (the numbering is gRPC's: https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
    public enum Code: Int, Sendable, Hashable, CustomStringConvertible {
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case internalError = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16

        public var description: String {
            switch self {
            case .cancelled: "Cancelled"
            case .unknown: "Unknown"
            case .invalidArgument: "InvalidArgument"
            case .deadlineExceeded: "DeadlineExceeded"
            case .notFound: "NotFound"
            case .alreadyExists: "AlreadyExists"
            case .permissionDenied: "PermissionDenied"
            case .resourceExhausted: "ResourceExhausted"
            case .failedPrecondition: "FailedPrecondition"
            case .aborted: "Aborted"
            case .outOfRange: "OutOfRange"
            case .unimplemented: "Unimplemented"
            case .internalError: "Internal"
            case .unavailable: "Unavailable"
            case .dataLoss: "DataLoss"
            case .unauthenticated: "Unauthenticated"
            }
        }
    }

    /// The status code.
    public var code: Code
    /// The runtime's message, e.g. containerd's `an error occurred when try to find container "x": not found`.
    public var message: String
    /// The RPC, as `Service/Method` (e.g. `RuntimeService/ContainerStatus`).
    public var method: String

    public init(code: Code, message: String, method: String) {
        self.code = code
        self.message = message
        self.method = method
    }

    /// The object the call named does not exist (a sandbox, container or image).
    public var isNotFound: Bool { code == .notFound }

    /// The runtime could not be reached (socket absent, containerd restarting, client closed).
    public var isUnavailable: Bool { code == .unavailable }

    public var description: String { "CRI \(method): \(code): \(message)" }

    /// Maps whatever a gRPC-Swift call threw. `RPCError` keeps its code; `RuntimeError` (the client or
    /// transport could not run the call at all) becomes `unavailable`; task cancellation becomes
    /// `cancelled`; anything else is `unknown` with its description.
    init(method: String, error: any Error) {
        self.method = method
        switch error {
        case let e as CRIError:
            self = e
        case let e as RPCError:
            self.code = Code(rawValue: e.code.rawValue) ?? .unknown
            self.message = e.message
        case let e as RuntimeError:
            self.code = .unavailable
            self.message = e.message
        case is CancellationError:
            self.code = .cancelled
            self.message = "the call was cancelled"
        default:
            self.code = .unknown
            self.message = String(describing: error)
        }
    }
}
