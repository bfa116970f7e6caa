import Foundation
import APIMachinery

/// Secrets: `SetDefaults_Secret` (type Opaque), the v1 conversion that folds `stringData` into `data`,
/// `ValidateSecret` (keys, 1 MiB, per-type required keys) and `ValidateSecretUpdate` (type and
/// immutable data fixed). Field selector: `type`.
public struct SecretStrategy: ResourceStrategy {
    public let info: ResourceInfo
    public init(info: ResourceInfo) { self.info = info }

    public func applyDefaults(_ object: inout JSON) {
        object.defaultIfZero("type", "Opaque")
        // `stringData` is write-only: it overwrites `data` keys and is never stored.
        if let stringData = object["stringData"]?.object, !stringData.isEmpty {
            var data = object["data"]?.object ?? [:]
            for (k, v) in stringData { data[k] = .string(Data((v.string ?? "").utf8).base64EncodedString()) }
            object["data"] = .object(data)
        }
        object["stringData"] = nil
    }

    public func validate(_ object: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let data = object["data"]?.object ?? [:]
        let dataPath = FieldPath("data")
        var total = 0
        for key in data.keys.sorted() {
            errs += isConfigMapKey(key).map { .invalid(dataPath.key(key), key, $0) }
            total += decodedLength(data[key])
        }
        if total > maxConfigDataSize { errs.append(.tooLong(dataPath, maxBytes: maxConfigDataSize)) }
        let type = object["type"]?.string ?? ""
        switch type {
        case "kubernetes.io/service-account-token":
            if (object["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.string ?? "").isEmpty {
                errs.append(.required(FieldPath("metadata", "annotations").key("kubernetes.io/service-account.name")))
            }
        case "kubernetes.io/dockercfg":
            errs += requireJSON(data, ".dockercfg", dataPath)
        case "kubernetes.io/dockerconfigjson":
            errs += requireJSON(data, ".dockerconfigjson", dataPath)
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errs.append(.required(dataPath.key("username")))
                errs.append(.required(dataPath.key("password")))
            }
        case "kubernetes.io/ssh-auth":
            if decodedLength(data["ssh-privatekey"]) == 0 { errs.append(.required(dataPath.key("ssh-privatekey"))) }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errs.append(.required(dataPath.key("tls.crt"))) }
            if data["tls.key"] == nil { errs.append(.required(dataPath.key("tls.key"))) }
        default: break
        }
        return errs
    }

    private func requireJSON(_ data: [String: JSON], _ key: String, _ path: FieldPath) -> [FieldError] {
        guard let v = data[key]?.string else { return [.required(path.key(key))] }
        guard let bytes = Data(base64Encoded: v), (try? JSON.parse(bytes))?.isObject == true else {
            return [.invalid(path.key(key), "<secret contents redacted>", "unexpected end of JSON input")]
        }
        return []
    }

    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errs: [FieldError] = []
        let newType = object["type"]?.string ?? "", oldType = old["type"]?.string ?? ""
        if newType != oldType { errs.append(.invalid(FieldPath("type"), newType, Msg.immutable)) }
        errs += validateImmutableData(object, old: old, fields: ["data"])
        return errs + validate(object)
    }

    public func selectableFields(_ object: JSON) -> [String: String] {
        var f = defaultSelectableFields(object)
        f["type"] = object["type"]?.string ?? ""
        return f
    }
}
