import Crypto
import Foundation

/// The `aesgcm` provider's cipher: a random 12-byte nonce, then AES-GCM's ciphertext and 16-byte tag, with
/// the storage key as authenticated data (upstream's `aes.NewGCMTransformer`). Random nonces are why
/// upstream asks for a key rotation every 200,000 writes.
struct AESGCMTransformer: ValueTransformer {
    let key: SymmetricKey

    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data {
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try AES.GCM.seal(data, using: key, nonce: AES.GCM.Nonce(), authenticating: context)
        } catch {
            throw ValueTransformError("unable to encrypt with AES-GCM: \(error)")
        }
        // Always present with the default 12-byte nonce.
        guard let combined = sealed.combined else { throw ValueTransformError("unable to encrypt with AES-GCM") }
        return combined
    }

    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool) {
        // Nonce and tag at least.
        guard data.count >= 12 + 16 else { throw .tooShort }
        do {
            let box = try AES.GCM.SealedBox(combined: data)
            return (try AES.GCM.open(box, using: key, authenticating: context), false)
        } catch {
            // Go's crypto/cipher wording, which upstream passes on.
            throw ValueTransformError("cipher: message authentication failed")
        }
    }
}
