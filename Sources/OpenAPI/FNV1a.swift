import Foundation

/// 64-bit FNV-1a, as upper-case hex: the `hash` of each group-version document in `/openapi/v3`.
///
/// kubectl caches OpenAPI documents by URL, so the URL must change whenever the document does. Upstream uses
/// SHA-512; Foundation on Linux has no SHA, and a cache-busting tag needs stability and spread, not secrecy.
enum FNV1a {
    static func hex(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digits = String(hash, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
