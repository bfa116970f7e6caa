import Foundation

/// One transformer and the prefix its output starts with (upstream's `value.PrefixTransformer`).
struct PrefixTransformer: Sendable {
    let prefix: Data
    let transformer: any ValueTransformer
}

/// A list of transformers told apart by the prefix of what they stored (upstream's `prefixTransformers`):
/// the first writes; every one whose prefix matches is tried on a read, in order. A provider's keys are one
/// such list (prefix `name:`), and a resource's providers another (prefix `k8s:enc:aesgcm:v1:` …, empty for
/// identity), which is what makes key rotation work: old data stays readable while new data is written
/// with the first key.
struct PrefixTransformers: ValueTransformer {
    let transformers: [PrefixTransformer]
    /// What a read answers when no prefix matches.
    let noMatch: ValueTransformError

    func toStorage(_ data: Data, context: Data) throws(ValueTransformError) -> Data {
        let first = transformers[0]
        return first.prefix + (try first.transformer.toStorage(data, context: context))
    }

    func fromStorage(_ data: Data, context: Data) throws(ValueTransformError) -> (data: Data, stale: Bool) {
        var errors: [ValueTransformError] = []
        for (i, candidate) in transformers.enumerated() where data.starts(with: candidate.prefix) {
            do {
                let out = try candidate.transformer.fromStorage(data.dropFirst(candidate.prefix.count), context: context)
                return (out.data, out.stale || i != 0)
            } catch {
                // The empty prefix (identity) refuses encrypted data so that a later provider gets it; a
                // failed match of a shared prefix (the same provider listed twice, being rotated) must not
                // hide a later match either. Only when nothing reads the value do the errors count.
                if !candidate.prefix.isEmpty { errors.append(error) }
            }
        }
        switch errors.count {
        case 0: throw noMatch
        case 1: throw errors[0]
        default: throw ValueTransformError("[" + errors.map(\.message).joined(separator: ", ") + "]")
        }
    }
}
