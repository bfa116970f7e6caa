import Foundation
import APIMachinery

/// Maximum total size of a ConfigMap's or Secret's data (upstream's `MaxSecretSize`).
public let maxConfigDataSize = 1 * 1024 * 1024

/// ConfigMaps: `ValidateConfigMap` (keys are config keys, not in both `data` and `binaryData`, at
/// most 1 MiB together) and `ValidateConfigMapUpdate` (nothing changes once `immutable` is set).
public struct ConfigMapStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        var total = 0
        let data = object["data"]?.object ?? [:], binary = object["binaryData"]?.object ?? [:]
        for key in data.keys.sorted() {
            let p = FieldPath("data").key(key)
            errs += isConfigMapKey(key).map { .invalid(p, key, $0) }
            if binary[key] != nil { errs.append(.invalid(p, key, "duplicate of key present in binaryData")) }
            total += data[key]?.string?.utf8.count ?? 0
        }
        for key in binary.keys.sorted() {
            errs += isConfigMapKey(key).map { .invalid(FieldPath("binaryData").key(key), key, $0) }
            total += decodedLength(binary[key])
        }
        if total > maxConfigDataSize { errs.append(.tooLong(FieldPath(""), maxBytes: maxConfigDataSize)) }
        return errs
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        validateImmutableData(object, old: old, fields: ["data", "binaryData"]) + validate(object)
    }
}

/// Bytes a base64 value decodes to (Secret data, ConfigMap binaryData).
func decodedLength(_ v: JSON?) -> Int {
    guard let s = v?.string else { return 0 }
    return Data(base64Encoded: s)?.count ?? s.utf8.count * 3 / 4
}

/// The `immutable` rules shared by ConfigMaps and Secrets.
func validateImmutableData(_ object: JSON, old: JSON, fields: [String]) -> [FieldError] {
    guard old["immutable"]?.bool == true else { return [] }
    var errs: [FieldError] = []
    let msg = "field is immutable when `immutable` is set"
    if object["immutable"]?.bool != true { errs.append(.forbidden(FieldPath("immutable"), msg)) }
    for f in fields where !Semantic.equal(object[f], old[f]) { errs.append(.forbidden(FieldPath(f), msg)) }
    return errs
}
