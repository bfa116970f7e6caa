import Foundation

/// NaCl's `crypto_secretbox` (XSalsa20-Poly1305), laid out as Go's `x/crypto/nacl/secretbox` (which
/// upstream's secretbox provider uses): the 16-byte tag, then the ciphertext.
enum SecretBox {
    static let keySize = 32
    static let nonceSize = 24
    static let overhead = 16

    static func seal(_ message: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8] {
        // The first 32 keystream bytes are the one-time Poly1305 key; the message is XORed with the rest.
        let stream = Salsa20.xsalsa20Stream(key: key, nonce: nonce, count: 32 + message.count)
        var ciphertext = [UInt8](repeating: 0, count: message.count)
        for i in message.indices { ciphertext[i] = message[i] ^ stream[32 + i] }
        return Poly1305.tag(ciphertext, key: Array(stream[0..<32])) + ciphertext
    }

    /// The message, or nil when the box is too short or its tag does not verify.
    static func open(_ box: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard box.count >= overhead else { return nil }
        let tag = Array(box[0..<overhead])
        let ciphertext = Array(box[overhead...])
        let stream = Salsa20.xsalsa20Stream(key: key, nonce: nonce, count: 32 + ciphertext.count)
        guard Poly1305.equal(Poly1305.tag(ciphertext, key: Array(stream[0..<32])), tag) else { return nil }
        var message = [UInt8](repeating: 0, count: ciphertext.count)
        for i in ciphertext.indices { message[i] = ciphertext[i] ^ stream[32 + i] }
        return message
    }
}
