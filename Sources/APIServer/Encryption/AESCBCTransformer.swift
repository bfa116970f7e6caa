import Crypto
import Foundation
import _CryptoExtras

/// The `aescbc` provider's cipher: a random 16-byte IV, then AES-CBC with PKCS#7 padding (upstream's
/// `aes.NewCBCTransformer`). CBC carries no authentication: upstream no longer recommends it (padding
/// oracles), and a changed ciphertext is caught only when its padding or the decoded object breaks.
struct AESCBCTransformer: ValueTransformer {
    static let blockSize = 16
    let key: SymmetricKey

    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data {
        do {
            let iv = AES._CBC.IV()
            return Data(iv) + (try AES._CBC.encrypt(data, using: key, iv: iv))
        } catch {
            throw ValueTransformError("unable to encrypt with AES-CBC: \(error)")
        }
    }

    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool) {
        guard data.count >= Self.blockSize else { throw .tooShort }
        let body = data.dropFirst(Self.blockSize)
        guard body.count % Self.blockSize == 0 else {
            throw ValueTransformError("the stored data is not a multiple of the block size")
        }
        // Upstream's wording for empty input too ("invalid PKCS7 data (empty or not padded)").
        guard !body.isEmpty else { throw ValueTransformError("invalid PKCS7 data (empty or not padded)") }
        do {
            let iv = try AES._CBC.IV(ivBytes: data.prefix(Self.blockSize))
            return (try AES._CBC.decrypt(body, using: key, iv: iv), false)
        } catch {
            throw ValueTransformError("invalid padding on input")
        }
    }
}
