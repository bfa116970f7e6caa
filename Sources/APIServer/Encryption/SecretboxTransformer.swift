import Foundation

/// The `secretbox` provider's cipher: a random 24-byte nonce, then NaCl's secretbox (tag and ciphertext)
/// under the 32-byte key (upstream's `secretbox.NewSecretboxTransformer`). The storage key is not
/// authenticated, as upstream's is not either.
struct SecretboxTransformer: ValueTransformer {
    let key: [UInt8]

    init(key: Data) {
        self.key = Array(key)
    }

    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data {
        var nonce = [UInt8](repeating: 0, count: SecretBox.nonceSize)
        var rng = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = rng.next() }
        return Data(nonce + SecretBox.seal(Array(data), nonce: nonce, key: key))
    }

    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool) {
        guard data.count >= SecretBox.overhead + SecretBox.nonceSize else { throw .tooShort }
        let bytes = Array(data)
        guard let message = SecretBox.open(Array(bytes[SecretBox.nonceSize...]), nonce: Array(bytes[..<SecretBox.nonceSize]), key: key) else {
            // Go's secretbox.Open only says no; upstream's message for it is this one.
            throw ValueTransformError("output array was not large enough for encryption")
        }
        return (Data(message), false)
    }
}
