import APIMachinery
import Foundation

/// The file behind `--encryption-provider-config` (upstream's `apiserver.config.k8s.io/v1`
/// `EncryptionConfiguration`): for each group of resources, the providers that encrypt their stored values.
/// The first provider of a list writes; all of them read, told apart by the prefix of the stored value.
public struct EncryptionConfiguration: Sendable, Equatable {
    public static let apiVersion = "apiserver.config.k8s.io/v1"
    public static let kind = "EncryptionConfiguration"

    /// A named key (`secret` is base64, as in the file).
    public struct Key: Sendable, Equatable {
        public var name: String
        public var secret: String
        public init(name: String, secret: String) {
            self.name = name
            self.secret = secret
        }
    }

    public enum Provider: Sendable, Equatable {
        case aesgcm(keys: [Key])
        case aescbc(keys: [Key])
        case secretbox(keys: [Key])
        case identity

        /// The provider's field name in the file, and so in field paths.
        var fieldName: String {
            switch self {
            case .aesgcm: "aesgcm"
            case .aescbc: "aescbc"
            case .secretbox: "secretbox"
            case .identity: "identity"
            }
        }
    }

    /// One `resources[]` entry: resources as `resource.group` (`secrets`, `deployments.apps`, `*.`, `*.*`).
    public struct ResourceConfiguration: Sendable, Equatable {
        public var resources: [String]
        public var providers: [Provider]
        public init(resources: [String], providers: [Provider]) {
            self.resources = resources
            self.providers = providers
        }
    }

    public var resources: [ResourceConfiguration]

    public init(resources: [ResourceConfiguration]) {
        self.resources = resources
    }
}

/// Why an encryption configuration was refused; `description` is what the API server dies with.
public typealias EncryptionConfigurationError = ConfigurationFileError

extension EncryptionConfiguration {
    /// Reads, decodes and validates the file at `path` (upstream's `LoadEncryptionConfig`); every failure
    /// starts "error while parsing file: ", as upstream's does.
    public static func load(path: String) throws(EncryptionConfigurationError) -> EncryptionConfiguration {
        func fail(_ message: String, _ errors: [FieldError] = []) -> EncryptionConfigurationError {
            EncryptionConfigurationError("error while parsing file: " + message, fieldErrors: errors)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error)"
            throw fail("error opening encryption provider configuration file \"\(path)\": \(reason)")
        }
        if data.isEmpty { throw fail("encryption provider configuration file \"\(path)\" is empty") }
        do {
            return try decode(data)
        } catch {
            throw fail(error.message, error.fieldErrors)
        }
    }

    /// Decodes YAML or JSON and validates it (upstream's `loadConfig` after reading the file).
    public static func decode(_ data: Data) throws(EncryptionConfigurationError) -> EncryptionConfiguration {
        let json: JSON
        do {
            json = try YAMLDecoding.decode(String(decoding: data, as: UTF8.self))
        } catch {
            throw EncryptionConfigurationError(error.message)
        }
        guard json.isObject else {
            throw EncryptionConfigurationError("couldn't get version/kind; json parse error: the file is not an object")
        }
        let kind = json["kind"]?.string ?? ""
        let apiVersion = json["apiVersion"]?.string ?? ""
        if kind.isEmpty { throw EncryptionConfigurationError("Object 'Kind' is missing in the encryption provider configuration") }
        guard kind == Self.kind, apiVersion == Self.apiVersion else {
            throw EncryptionConfigurationError("no kind \"\(kind)\" is registered for version \"\(apiVersion)\"; expected kind \"\(Self.kind)\" of \(Self.apiVersion)")
        }
        var errors: [FieldError] = []
        let config = EncryptionConfigurationValidation.decode(json, errors: &errors)
        if !errors.isEmpty {
            // Upstream's `ToAggregate()`: one error alone, several as a bracketed list.
            let text = errors.count == 1 ? errors[0].message : "[" + errors.map(\.message).joined(separator: ", ") + "]"
            throw EncryptionConfigurationError(text, fieldErrors: errors)
        }
        return config
    }
}
