import APIMachinery

/// Why a configuration file the API server reads at start (`--encryption-provider-config`,
/// `--audit-policy-file`) was refused; `description` is the message the server stops with.
public struct ConfigurationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// The field errors, when the file decoded but did not validate.
    public let fieldErrors: [FieldError]

    init(_ message: String, fieldErrors: [FieldError] = []) {
        self.message = message
        self.fieldErrors = fieldErrors
    }

    public var description: String { message }
}
