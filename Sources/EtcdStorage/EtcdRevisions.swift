/// Skiff's revisions are etcd's minus one.
///
/// A new etcd cluster is at revision 1 before anything is written (its first write is revision 2), while a
/// `KeyValueStore` that was never written is at revision 0 and its first write is revision 1. Shifting by one
/// keeps the store's contract (every conformance test runs unchanged on etcd) and resource versions that start at
/// 1, as on the embedded stores. The price: an
/// object's resourceVersion is its etcd `mod_revision` minus one (`etcdctl get -w json` shows one more).
enum EtcdRevisions {
    static let offset: Int64 = 1

    /// The store revision of an etcd revision (0 stays 0: "none").
    static func store(_ etcd: Int64) -> Int64 { etcd > 0 ? etcd - offset : 0 }

    /// The etcd revision of a store revision.
    static func etcd(_ store: Int64) -> Int64 { store + offset }
}
