import Foundation

/// The Poly1305 one-time authenticator (Bernstein), in 26-bit limbs, for NaCl's secretbox. Checked against
/// NaCl's published vectors in the tests.
enum Poly1305 {
    /// The 16-byte tag of `message` under a 32-byte one-time key.
    static func tag(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        let mask: UInt32 = 0x3ff_ffff
        func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
            UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
        }
        // r, clamped.
        let r0 = le32(key, 0) & 0x3ff_ffff
        let r1 = (le32(key, 3) >> 2) & 0x3ff_ff03
        let r2 = (le32(key, 6) >> 4) & 0x3ff_c0ff
        let r3 = (le32(key, 9) >> 6) & 0x3f0_3fff
        let r4 = (le32(key, 12) >> 8) & 0x00f_ffff
        let s1 = r1 * 5, s2 = r2 * 5, s3 = r3 * 5, s4 = r4 * 5
        var h0: UInt32 = 0, h1: UInt32 = 0, h2: UInt32 = 0, h3: UInt32 = 0, h4: UInt32 = 0

        func block(_ m: [UInt8], hibit: UInt32) {
            h0 &+= le32(m, 0) & mask
            h1 &+= (le32(m, 3) >> 2) & mask
            h2 &+= (le32(m, 6) >> 4) & mask
            h3 &+= (le32(m, 9) >> 6) & mask
            h4 &+= (le32(m, 12) >> 8) | hibit
            func mul(_ a: UInt32, _ b: UInt32) -> UInt64 { UInt64(a) * UInt64(b) }
            let d0 = mul(h0, r0) + mul(h1, s4) + mul(h2, s3) + mul(h3, s2) + mul(h4, s1)
            var d1 = mul(h0, r1) + mul(h1, r0) + mul(h2, s4) + mul(h3, s3) + mul(h4, s2)
            var d2 = mul(h0, r2) + mul(h1, r1) + mul(h2, r0) + mul(h3, s4) + mul(h4, s3)
            var d3 = mul(h0, r3) + mul(h1, r2) + mul(h2, r1) + mul(h3, r0) + mul(h4, s4)
            var d4 = mul(h0, r4) + mul(h1, r3) + mul(h2, r2) + mul(h3, r1) + mul(h4, r0)
            var c = d0 >> 26; h0 = UInt32(d0 & UInt64(mask))
            d1 += c; c = d1 >> 26; h1 = UInt32(d1 & UInt64(mask))
            d2 += c; c = d2 >> 26; h2 = UInt32(d2 & UInt64(mask))
            d3 += c; c = d3 >> 26; h3 = UInt32(d3 & UInt64(mask))
            d4 += c; c = d4 >> 26; h4 = UInt32(d4 & UInt64(mask))
            let t = UInt64(h0) + c * 5
            h0 = UInt32(t & UInt64(mask))
            h1 &+= UInt32(truncatingIfNeeded: t >> 26)
        }

        var offset = 0
        while offset + 16 <= message.count {
            block(Array(message[offset..<offset + 16]), hibit: 1 << 24)
            offset += 16
        }
        if offset < message.count {
            var last = Array(message[offset...])
            last.append(1)
            last += [UInt8](repeating: 0, count: 16 - last.count)
            block(last, hibit: 0)
        }

        // Fully carry h, then compute h + -p and keep it when it does not go negative (h >= p).
        var c = h1 >> 26; h1 &= mask
        h2 &+= c; c = h2 >> 26; h2 &= mask
        h3 &+= c; c = h3 >> 26; h3 &= mask
        h4 &+= c; c = h4 >> 26; h4 &= mask
        h0 &+= c &* 5; c = h0 >> 26; h0 &= mask
        h1 &+= c
        var g0 = h0 &+ 5; c = g0 >> 26; g0 &= mask
        var g1 = h1 &+ c; c = g1 >> 26; g1 &= mask
        var g2 = h2 &+ c; c = g2 >> 26; g2 &= mask
        var g3 = h3 &+ c; c = g3 >> 26; g3 &= mask
        var g4 = h4 &+ c &- (1 << 26)
        var select = (g4 >> 31) &- 1  // all ones when g4 did not borrow
        g0 &= select; g1 &= select; g2 &= select; g3 &= select; g4 &= select
        select = ~select
        h0 = (h0 & select) | g0
        h1 = (h1 & select) | g1
        h2 = (h2 & select) | g2
        h3 = (h3 & select) | g3
        h4 = (h4 & select) | g4

        // h mod 2^128, plus s.
        let w0 = h0 | (h1 << 26)
        let w1 = (h1 >> 6) | (h2 << 20)
        let w2 = (h2 >> 12) | (h3 << 14)
        let w3 = (h3 >> 18) | (h4 << 8)
        var f = UInt64(w0) + UInt64(le32(key, 16))
        var out: [UInt8] = []
        out.reserveCapacity(16)
        func emit(_ v: UInt64) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { out.append(contentsOf: $0) } }
        emit(f)
        f = UInt64(w1) + UInt64(le32(key, 20)) + (f >> 32); emit(f)
        f = UInt64(w2) + UInt64(le32(key, 24)) + (f >> 32); emit(f)
        f = UInt64(w3) + UInt64(le32(key, 28)) + (f >> 32); emit(f)
        return out
    }

    /// Compares two tags in time that does not depend on where they differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
