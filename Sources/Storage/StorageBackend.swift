/// Which storage a Skiff API server runs on.
public enum StorageBackend: Sendable, Equatable {
    /// Everything in process memory: for tests and throwaway clusters.
    case memory
    /// A durable SQLite database at `path` (created when missing).
    case sqlite(path: String)
}

/// Opens the store for `backend`.
public func openStore(_ backend: StorageBackend) throws -> any KeyValueStore {
    switch backend {
    case .memory: MemoryStore()
    case .sqlite(let path): try SQLiteStore(path: path)
    }
}
