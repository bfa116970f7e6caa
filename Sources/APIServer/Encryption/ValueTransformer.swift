import Foundation

/// Turns a stored value into its at-rest form and back (upstream's `value.Transformer`).
///
/// `context` is the value's storage key: authenticated encryption binds the ciphertext to it, so a value
/// copied under another key does not decrypt (upstream passes the etcd key as the authenticated data).
protocol ValueTransformer: Sendable {
    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data
    /// The plaintext, and whether it was written by other than the transformer that writes now (so a
    /// rewrite is due even when the object itself is unchanged: that is how rotation re-encrypts).
    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool)
}

/// A value that could not be encrypted or decrypted; the API answers it as upstream's 500 InternalError.
struct ValueTransformError: Error, Sendable, Equatable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }

    /// Upstream's wording when a stored value is too short for its cipher's framing.
    static let tooShort = ValueTransformError("the stored data was shorter than the required size")
}
