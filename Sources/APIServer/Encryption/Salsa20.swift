import Foundation

/// The Salsa20/20 stream cipher with XSalsa20's 24-byte nonces (Bernstein), for NaCl's secretbox.
/// No mirrored package has it (swift-crypto has ChaCha20 only); it is checked against NaCl's published
/// vectors in the tests.
enum Salsa20 {
    /// "expand 32-byte k".
    static let sigma: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]

    @inline(__always) static func rotl(_ v: UInt32, _ n: UInt32) -> UInt32 { (v << n) | (v >> (32 - n)) }

    static func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    /// The state for a 32-byte key and 16 input bytes (nonce and counter, or HSalsa20's nonce).
    static func state(key: [UInt8], input: [UInt8]) -> [UInt32] {
        [sigma[0], le32(key, 0), le32(key, 4), le32(key, 8), le32(key, 12),
         sigma[1], le32(input, 0), le32(input, 4), le32(input, 8), le32(input, 12),
         sigma[2], le32(key, 16), le32(key, 20), le32(key, 24), le32(key, 28),
         sigma[3]]
    }

    /// Twenty rounds (ten column-then-row double rounds) over `x`, without the final addition.
    static func rounds(_ x: inout [UInt32]) {
        func quarter(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[b] ^= rotl(x[a] &+ x[d], 7)
            x[c] ^= rotl(x[b] &+ x[a], 9)
            x[d] ^= rotl(x[c] &+ x[b], 13)
            x[a] ^= rotl(x[d] &+ x[c], 18)
        }
        for _ in 0..<10 {
            quarter(0, 4, 8, 12); quarter(5, 9, 13, 1); quarter(10, 14, 2, 6); quarter(15, 3, 7, 11)
            quarter(0, 1, 2, 3); quarter(5, 6, 7, 4); quarter(10, 11, 8, 9); quarter(15, 12, 13, 14)
        }
    }

    /// HSalsa20: a 32-byte subkey from a key and the first 16 bytes of an XSalsa20 nonce.
    static func hsalsa20(key: [UInt8], nonce16: [UInt8]) -> [UInt8] {
        var x = state(key: key, input: nonce16)
        rounds(&x)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in [0, 5, 10, 15, 6, 7, 8, 9] {
            withUnsafeBytes(of: x[i].littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// `count` bytes of the XSalsa20 keystream for `key` (32 bytes) and `nonce` (24 bytes).
    static func xsalsa20Stream(key: [UInt8], nonce: [UInt8], count: Int) -> [UInt8] {
        let subkey = hsalsa20(key: key, nonce16: Array(nonce[0..<16]))
        var input = Array(nonce[16..<24]) + [UInt8](repeating: 0, count: 8)
        var out: [UInt8] = []
        out.reserveCapacity(count + 64)
        var counter: UInt64 = 0
        while out.count < count {
            withUnsafeBytes(of: counter.littleEndian) { for (i, b) in $0.enumerated() { input[8 + i] = b } }
            let initial = state(key: subkey, input: input)
            var x = initial
            rounds(&x)
            for i in 0..<16 {
                withUnsafeBytes(of: (x[i] &+ initial[i]).littleEndian) { out.append(contentsOf: $0) }
            }
            counter += 1
        }
        return Array(out.prefix(count))
    }
}
