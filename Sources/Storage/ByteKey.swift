import Foundation

/// A store key compared, hashed and prefix-matched by its UTF-8 bytes, as etcd compares keys.
///
/// Swift's `String` compares and hashes by Unicode canonical equivalence, so two byte-different keys
/// ("é" precomposed and decomposed) would be one dictionary entry and would sort in a non-byte order.
/// etcd keys are byte strings, so the store wraps every key to get byte semantics everywhere.
struct ByteKey: Hashable, Comparable, Sendable {
    let string: String

    init(_ string: String) {
        var copy = string
        copy.makeContiguousUTF8()
        self.string = copy
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool {
        compareBytes(lhs.string, rhs.string) == 0
    }

    static func < (lhs: ByteKey, rhs: ByteKey) -> Bool {
        compareBytes(lhs.string, rhs.string) < 0
    }

    func hash(into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if done == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }

    /// True when this key begins with `prefix`'s bytes (plain byte prefix: "/a/b" has prefix "/a/b"
    /// and "/a/").
    func hasPrefix(_ prefix: ByteKey) -> Bool {
        let count = prefix.string.utf8.count
        guard string.utf8.count >= count else { return false }
        return Self.compareBytes(string, prefix.string, length: count) == 0
    }

    /// memcmp-style three-way comparison of two strings' UTF-8 bytes, over at most `length` bytes.
    static func compareBytes(_ a: String, _ b: String, length: Int = .max) -> Int {
        let fast: Int?? = a.utf8.withContiguousStorageIfAvailable { pa in
            b.utf8.withContiguousStorageIfAvailable { pb in
                let la = min(pa.count, length), lb = min(pb.count, length)
                let common = min(la, lb)
                if common > 0 {
                    let result = memcmp(pa.baseAddress!, pb.baseAddress!, common)
                    if result != 0 { return Int(result) }
                }
                return la == lb ? 0 : (la < lb ? -1 : 1)
            }
        }
        if let fast, let fast { return fast }
        var ia = a.utf8.prefix(length).makeIterator(), ib = b.utf8.prefix(length).makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }
}
