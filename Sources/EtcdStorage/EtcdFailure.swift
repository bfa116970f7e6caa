import GRPCCore
import Storage

/// What a failed etcd call means to the store: etcd's errors are gRPC statuses whose message names the case
/// (`etcdserver: mvcc: required revision has been compacted`), as etcd's Go client tells them apart.
enum EtcdFailure {
    static let compactedMessage = "required revision has been compacted"
    static let futureRevisionMessage = "required revision is a future revision"

    /// The member cannot serve the call now (down, restarting, cut off from the quorum, mid leader election):
    /// another member may.
    static func isUnreachable(_ error: any Error) -> Bool {
        guard let rpc = error as? RPCError else { return false }
        switch rpc.code {
        case .unavailable, .deadlineExceeded: return true
        default: return false
        }
    }

    static func isCompacted(_ error: any Error) -> Bool {
        (error as? RPCError)?.message.contains(compactedMessage) == true
    }

    static func isFutureRevision(_ error: any Error) -> Bool {
        (error as? RPCError)?.message.contains(futureRevisionMessage) == true
    }

    /// Anything else: `.unavailable` with etcd's words, which is what the API server answers 5xx for.
    static func storageError(_ error: any Error) -> StorageError {
        if let storage = error as? StorageError { return storage }
        if let rpc = error as? RPCError {
            return .unavailable("etcd: \(rpc.code): \(rpc.message)")
        }
        return .unavailable("etcd: \(error)")
    }
}
