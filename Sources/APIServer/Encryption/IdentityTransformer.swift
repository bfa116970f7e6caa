import Foundation

/// The `identity` provider: values are stored as they are (upstream's `identity.NewEncryptCheckTransformer`).
/// It reads only values without the `k8s:enc:` prefix, so that, listed before an encrypting provider while
/// encryption is being turned off, it leaves encrypted values to that provider.
struct IdentityTransformer: ValueTransformer {
    static let encryptedPrefix = Data("k8s:enc:".utf8)

    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data { data }

    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool) {
        if data.starts(with: Self.encryptedPrefix) {
            throw ValueTransformError("identity transformer tried to read encrypted data")
        }
        return (data, false)
    }
}
