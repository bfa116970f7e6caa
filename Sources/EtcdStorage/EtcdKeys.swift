import Foundation

/// Keys on the wire: the store's keys as their UTF-8 bytes, unchanged (`/registry/pods/default/nginx-pod` is
/// that key in etcd too, so `etcdctl get` finds what the API server wrote), and etcd's range bounds.
enum EtcdKeys {
    static func bytes(_ key: String) -> Data { Data(key.utf8) }

    static func string(_ bytes: Data) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The end of the range of keys starting with `prefix` (etcd's `range_end`): the prefix with its last
    /// byte below 0xff incremented and what follows dropped; "\0" (every key) for the empty prefix or one of
    /// only 0xff bytes, as etcd's clientv3 `GetPrefixRangeEnd`.
    static func prefixEnd(_ prefix: String) -> Data {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])
    }

    /// The first key of the range: the prefix, or `startKey` when it sorts after the prefix (a continue key).
    static func rangeStart(prefix: String, startKey: String?) -> Data {
        let prefixBytes = Array(prefix.utf8)
        guard let startKey else { return prefixBytes.isEmpty ? Data([0]) : Data(prefixBytes) }
        let startBytes = Array(startKey.utf8)
        if prefixBytes.lexicographicallyPrecedes(startBytes) { return Data(startBytes) }
        return prefixBytes.isEmpty ? Data([0]) : Data(prefixBytes)
    }
}
