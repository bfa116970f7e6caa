import APIMachinery

/// The `pod-template-hash` of a Deployment's template (upstream's `controller.ComputeHash`): FNV-32a
/// over the template and the collision count, printed in decimal and mapped onto upstream's
/// `SafeEncodeString` alphabet (no vowels, no look-alike characters), so names read like
/// `nginx-7c5ddbdf54`.
///
/// Upstream hashes Go's `%#v` dump of the struct; Skiff hashes the template's canonical JSON (sorted
/// keys). The value is stable for a given template, which is what matters: the same template always
/// maps to the same ReplicaSet, and a changed one to a new one.
enum PodTemplateHash {
    static let label = "pod-template-hash"
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func compute(_ template: JSON, collisionCount: Int64?) -> String {
        var h = FNV32a()
        h.write(Array(template.serialized(sortedKeys: true)))
        if let c = collisionCount {
            let v = UInt32(truncatingIfNeeded: c)
            h.write([UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)])
        }
        return safeEncode(String(h.value))
    }

    /// Upstream's `rand.SafeEncodeString`: each byte picks a letter of the alphabet.
    static func safeEncode(_ s: String) -> String {
        String(s.utf8.map { alphabet[Int($0) % alphabet.count] })
    }
}

/// 32-bit FNV-1a.
struct FNV32a {
    private(set) var value: UInt32 = 2_166_136_261

    mutating func write(_ bytes: [UInt8]) {
        for b in bytes {
            value ^= UInt32(b)
            value = value &* 16_777_619
        }
    }
}
