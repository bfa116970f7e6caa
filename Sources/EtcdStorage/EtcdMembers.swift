import Synchronization

/// The connections to every member in `--etcd-servers` and which one calls go to.
///
/// Calls go to one member (the "current" one) until it fails as unreachable; then the next member in the list
/// becomes current, as etcd's own Go client moves to another endpoint. etcd forwards writes to its leader
/// itself, so any member serves any call while it is part of a quorum; a member cut off from the quorum says so
/// (`etcdserver: no leader`, UNAVAILABLE) and is left the same way.
final class EtcdMembers: Sendable {
    let connections: [EtcdConnection]
    private let current = Mutex(0)

    init(endpoints: [EtcdEndpoint], tls: EtcdTLSFiles) throws {
        precondition(!endpoints.isEmpty)
        connections = try endpoints.map { try EtcdConnection(endpoint: $0, tls: tls) }
    }

    /// The member calls go to now, and its position (to pass to `failed(_:)`).
    func pick() -> (index: Int, connection: EtcdConnection) {
        let index = current.withLock { $0 }
        return (index, connections[index])
    }

    /// Moves on from the member at `index` after it failed as unreachable, unless another caller already did.
    func failed(_ index: Int) {
        current.withLock { current in
            if current == index { current = (index + 1) % connections.count }
        }
    }

    /// Runs `body` against the current member. When the member is unreachable, moves to the next one and, for a
    /// call that is safe to send twice (`retry`: reads), tries again there, once per member.
    func call<Result: Sendable>(
        retry: Bool, _ body: (EtcdConnection) async throws -> Result
    ) async throws -> Result {
        var attempts = 0
        while true {
            let (index, connection) = pick()
            do {
                return try await body(connection)
            } catch let error where EtcdFailure.isUnreachable(error) {
                failed(index)
                attempts += 1
                if !retry || attempts >= connections.count { throw error }
            }
        }
    }

    func close() async {
        for connection in connections { await connection.close() }
    }
}
